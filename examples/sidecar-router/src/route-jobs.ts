import { JOB, PROVIDERS, runJob } from "./gpu-market.js";
import { seededRandom } from "./seeded-random.js";
import type { SidecarClient } from "./sidecar-client.js";

export interface RouteJobsSummary {
  jobs: number;
  /** How many of the last 100 jobs each provider got. */
  lastHundred: Record<string, number>;
  meanRewardFirstHundred: number;
  meanRewardLastHundred: number;
  /** The sidecar's exploration rate after all the feedback (GET /status). */
  epsilon: number;
}

const BUDGET = { max_price: 3.0, max_latency_ms: 300, min_reputation: 80 };

/** The router loop over HTTP: POST /decide, run the job where it says, POST /feedback with what happened. */
export async function routeJobs(sidecar: SidecarClient, jobs: number, marketSeed: number): Promise<RouteJobsSummary> {
  const market = seededRandom(marketSeed);
  const rewards: number[] = [];
  const lastHundred: Record<string, number> = Object.create(null);
  for (let job = 0; job < jobs; job++) {
    const { provider_id, metadata } = await sidecar.decide({ context: JOB, providers: PROVIDERS, constraints: BUDGET });
    const provider = PROVIDERS.find((p) => p.provider_id === provider_id);
    if (provider === undefined) throw new Error(`no provider chosen: ${metadata.reason ?? "no reason given"}`);
    const { reward } = await sidecar.feedback(runJob(metadata.decision_id, provider, market));
    rewards.push(reward);
    if (job >= jobs - 100) lastHundred[provider.provider_id] = (lastHundred[provider.provider_id] ?? 0) + 1;
  }
  const status = await sidecar.status();
  return {
    jobs,
    lastHundred,
    meanRewardFirstHundred: mean(rewards.slice(0, 100)),
    meanRewardLastHundred: mean(rewards.slice(-100)),
    epsilon: status.strategist.epsilon,
  };
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
