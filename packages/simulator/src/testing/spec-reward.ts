import type { Outcome } from "@aurora/domain";

/** SPEC's default reward, written out here so the simulator's tests do not depend on @aurora/executor. */
export function specReward(outcome: Outcome, advertisedReputation: number): number {
  if (!outcome.success) return -20;
  const reputation = outcome.actual_reputation ?? advertisedReputation;
  return -outcome.actual_cost_usd - outcome.actual_latency_ms / 500 + reputation / 100 + 10;
}
