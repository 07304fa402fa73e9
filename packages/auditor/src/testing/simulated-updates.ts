import { createRng } from "@aurora/domain";
import type { ObserveUpdateInput } from "../auditor.js";

export interface SimulatedUpdatesOptions {
  seed: number;
  updates: number;
  /** Success probabilities are drawn uniformly from this range. Default [0.8, 0.99]. */
  successRange?: [number, number];
  /** Updates whose outcome is reported in cents instead of dollars (a data bug). */
  corrupt?: (t: number) => boolean;
}

/**
 * Test support: the Q-learning updates of a simulated market, as an engine would feed them to
 * `Auditor.observeUpdate`. Ten providers (a tenth joins half way, with Q = 0), one state, jobs of
 * 0.5–8 GPU hours, the seed's reward (failure −20; success −cost − latency/500 + reputation/100 + 10),
 * ε-greedy with ε = 0.1 decaying ×0.995 to 0.01, α = 0.1, Q starting at 0.
 */
export function* simulatedUpdates(options: SimulatedUpdatesOptions): Generator<ObserveUpdateInput> {
  const rng = createRng(options.seed);
  const [low, high] = options.successRange ?? [0.8, 0.99];
  const providers = Array.from({ length: 10 }, (_, i) => ({
    id: `provider-${i}`,
    success: low + rng() * (high - low),
    price: 1 + rng() * 3,
    latency: 50 + rng() * 250,
    reputation: 70 + rng() * 29,
    joinsAt: i < 9 ? 0 : Math.floor(options.updates / 2),
    q: 0,
  }));
  let epsilon = 0.1;
  for (let t = 0; t < options.updates; t++) {
    const open = providers.filter((p) => p.joinsAt <= t);
    const chosen =
      rng() < epsilon
        ? (open[Math.floor(rng() * open.length)] as (typeof open)[number])
        : open.reduce((a, b) => (b.q > a.q ? b : a));
    epsilon = Math.max(0.01, epsilon * 0.995);
    const hours = 0.5 + rng() * 7.5;
    const success = rng() < chosen.success;
    const cost = chosen.price * hours * (0.9 + 0.2 * rng()) * (options.corrupt?.(t) ? 100 : 1);
    const latency = chosen.latency * (0.8 + 0.4 * rng());
    const reward = success ? -cost - latency / 500 + chosen.reputation / 100 + 10 : -20;
    const before = chosen.q;
    chosen.q = before + 0.1 * (reward - before);
    yield {
      decision_id: `d${t}`,
      state_key: "llm_inference:a100:us-west",
      provider_id: chosen.id,
      before,
      after: chosen.q,
      success,
      reward,
    };
  }
}
