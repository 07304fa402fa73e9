import type { Context, Provider } from "@aurora/domain";
import { createRng } from "@aurora/domain";
import type { ChooseRequest, Policy } from "../src/policy.js";

/** A provider record for tests: advertised price, latency and reputation, every GPU and region. */
export function provider(id: string, price = 1, latency = 100, reputation = 90): Provider {
  return { provider_id: id, price_usd_per_hour: price, latency_ms: latency, reputation, gpu_types: [], regions: [] };
}

export function context(region = "us-west", gpuHours = 1, gpu = "a100", workload = "llm"): Context {
  return { workload_type: workload, gpu_type: gpu, region, gpu_hours: gpuHours };
}

export function request(candidates: Provider[], ctx: Context = context(), extra: Partial<ChooseRequest> = {}): ChooseRequest {
  return { stateKey: `${ctx.workload_type}:${ctx.gpu_type}:${ctx.region}`, context: ctx, candidates, ...extra };
}

/** The SPEC reward of a job: failure −20; success −cost − latency/500 + reputation/100 + 10. */
function specReward(success: boolean, cost: number, latencyMs: number, reputation: number): number {
  return success ? -cost - latencyMs / 500 + reputation / 100 + 10 : -20;
}

export interface MarketTruth {
  /** provider id → failure probability (default 0.05). */
  failure?: Record<string, number>;
  /** provider id → real latency in ms (default the advertised one). */
  latency?: Record<string, number>;
}

export interface MarketRun {
  /** provider id → picks in the last `tail` steps. */
  tailPicks: Map<string, number>;
  totalReward: number;
  /** Every choice's propensity, in order. */
  probabilities: number[];
}

/**
 * Runs a policy on a small seeded market: each step picks a region from `regions`, asks the
 * policy, draws the outcome from `truth` and feeds the SPEC reward back (with the outcome).
 */
export function runMarket(
  policy: Policy,
  candidates: Provider[],
  truth: MarketTruth,
  options: { steps: number; seed: number; regions?: string[]; tail?: number },
): MarketRun {
  const rng = createRng(options.seed);
  const regions = options.regions ?? ["us-west"];
  const tail = options.tail ?? Math.floor(options.steps / 4);
  const tailPicks = new Map<string, number>();
  const probabilities: number[] = [];
  let totalReward = 0;
  for (let step = 0; step < options.steps; step++) {
    const ctx = context(regions[step % regions.length], 1);
    const choice = policy.choose(request(candidates, ctx));
    probabilities.push(choice.probability);
    const chosen = candidates[choice.index] as Provider;
    const failure = truth.failure?.[chosen.provider_id] ?? 0.05;
    const latency = truth.latency?.[chosen.provider_id] ?? chosen.latency_ms;
    const success = rng() >= failure;
    const cost = chosen.price_usd_per_hour * ctx.gpu_hours;
    const reward = specReward(success, success ? cost : 0, latency, chosen.reputation);
    totalReward += reward;
    policy.update({
      stateKey: `${ctx.workload_type}:${ctx.gpu_type}:${ctx.region}`,
      context: ctx,
      provider: chosen,
      reward,
      outcome: { success, actual_cost_usd: success ? cost : 0, actual_latency_ms: latency },
    });
    if (step >= options.steps - tail) tailPicks.set(chosen.provider_id, (tailPicks.get(chosen.provider_id) ?? 0) + 1);
  }
  return { tailPicks, totalReward, probabilities };
}
