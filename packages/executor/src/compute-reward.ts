import type { Outcome } from "@aurora/domain";
import { DEFAULT_REWARD_WEIGHTS, type RewardWeights } from "./reward-weights.js";

/**
 * The reward of an outcome, as in the seed (SPEC "Reward"):
 * failure → `failure_reward`;
 * success → −cost·actual_cost_usd − actual_latency_ms/latency_divisor + reputation/reputation_divisor + success_bonus,
 * where reputation is `outcome.actual_reputation` when given, else `advertisedReputation`
 * (the provider's reputation at decision time), else 0.
 *
 * The result is clamped to ±Number.MAX_VALUE so that it stays finite for any valid outcome
 * (a cost near Number.MAX_VALUE would otherwise overflow to −Infinity and poison a Q-value).
 */
export function computeReward(
  outcome: Outcome,
  weights: RewardWeights = DEFAULT_REWARD_WEIGHTS,
  advertisedReputation?: number,
): number {
  if (!outcome.success) return weights.failure_reward;
  const reputation = outcome.actual_reputation ?? advertisedReputation ?? 0;
  const reward =
    -weights.cost * outcome.actual_cost_usd -
    outcome.actual_latency_ms / weights.latency_divisor +
    reputation / weights.reputation_divisor +
    weights.success_bonus;
  if (reward > Number.MAX_VALUE) return Number.MAX_VALUE;
  if (reward < -Number.MAX_VALUE) return -Number.MAX_VALUE;
  return reward;
}
