import { createRng, RoutingEngine } from "@aurora/engine";
import { JOB, PROVIDERS, runJob } from "./gpu-market.js";

export interface RouteJobsOptions {
  /** How many jobs to route. */
  jobs: number;
  /** Seed of the engine's exploration. */
  seed: number;
  /** Seed of the simulated outcomes. */
  marketSeed: number;
}

export interface RouteJobsSummary {
  jobs: number;
  /** How many of the last 100 jobs each provider got. */
  lastHundred: Record<string, number>;
  meanRewardFirstHundred: number;
  meanRewardLastHundred: number;
  /** What the engine believes each provider is worth now (null: never considered, with the reason). */
  learned: { provider_id: string; estimate: number | null; note: string }[];
  /** The exploration rate after all the feedback. */
  epsilon: number;
}

const BUDGET = { max_price: 3.0, max_latency_ms: 300, min_reputation: 80 };

/** The router loop: ask the engine, run the job where it says, tell the engine what happened. */
export async function routeJobs({ jobs, seed, marketSeed }: RouteJobsOptions): Promise<RouteJobsSummary> {
  const engine = new RoutingEngine({
    seed,
    // γ = 0 makes each estimate track a provider's mean reward; an optimistic start (above any
    // reward, ~+10 at best) makes the engine try every provider before it settles.
    policy: { kind: "q-learning", gamma: 0, initialQ: 15 },
  });
  const market = createRng(marketSeed);
  const rewards: number[] = [];
  const lastHundred: Record<string, number> = Object.create(null);
  try {
    for (let job = 0; job < jobs; job++) {
      const { provider_id, metadata } = engine.decide({ context: JOB, providers: PROVIDERS, constraints: BUDGET });
      const provider = PROVIDERS.find((p) => p.provider_id === provider_id);
      if (provider === undefined) throw new Error(`no provider chosen: ${metadata.reason ?? "no reason given"}`);
      rewards.push(await engine.feedback(runJob(metadata.decision_id, provider, market)));
      if (job >= jobs - 100) lastHundred[provider.provider_id] = (lastHundred[provider.provider_id] ?? 0) + 1;
    }
    const { metadata } = engine.decide({ context: JOB, providers: PROVIDERS, constraints: BUDGET, explain: true });
    const learned = (metadata.candidates ?? []).map((c) => ({
      provider_id: c.provider_id,
      estimate: c.estimate,
      note: c.violations.length > 0 ? `never routed: ${c.violations.join(", ")}` : c.status === "chosen" ? "chosen next" : "",
    }));
    return {
      jobs,
      lastHundred,
      meanRewardFirstHundred: mean(rewards.slice(0, 100)),
      meanRewardLastHundred: mean(rewards.slice(-100)),
      learned,
      epsilon: engine.getStatus().strategist.epsilon,
    };
  } finally {
    await engine.close();
  }
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
