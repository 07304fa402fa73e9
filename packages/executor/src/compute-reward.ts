import type { Outcome } from "@aurora/domain";
import { outcomeSchema, parseWith, providerSchema, ValidationError } from "@aurora/domain";
import { DEFAULT_REWARD_WEIGHTS, type RewardWeights, resolveRewardWeights } from "./reward-weights.js";

/**
 * The scale at which the reward is computed again when a term overflowed. A reputation (≤ 100)
 * over the smallest divisor (5e-324) is below 2^1082, so at 2^-128 the reputation term stays
 * finite: only the cost and latency terms can still overflow, and then only when they are above
 * 2^1152, far beyond everything else, so the reward is −Number.MAX_VALUE, as computed.
 */
const OVERFLOW_SCALE = 2 ** -128;

/**
 * The reward of an outcome, as in the seed (SPEC "Reward"):
 * failure → `failure_reward`;
 * success → −cost·actual_cost_usd − actual_latency_ms/latency_divisor + reputation/reputation_divisor + success_bonus,
 * where reputation is `outcome.actual_reputation` when given, else `advertisedReputation`
 * (the provider's reputation at decision time), else 0.
 *
 * The result is finite for any valid outcome, reputation and weights: clamped to ±Number.MAX_VALUE
 * (a cost near Number.MAX_VALUE would otherwise overflow to −Infinity and poison a Q-value), and a
 * term that overflows (tiny divisors) is compared with the others at a smaller scale instead of
 * making −∞ + ∞ = NaN. An input that is not valid and makes the reward NaN throws a
 * `ValidationError` naming it.
 */
export function computeReward(
  outcome: Outcome,
  weights: RewardWeights = DEFAULT_REWARD_WEIGHTS,
  advertisedReputation?: number,
): number {
  if (!outcome.success) {
    const failure = weights?.failure_reward;
    if (typeof failure === "number" && Number.isFinite(failure)) return failure;
    throw ValidationError.forField("rewardWeights.failure_reward", `must be a finite number, got ${String(failure)}`);
  }
  const reputation = outcome.actual_reputation ?? advertisedReputation ?? 0;
  const reward = successReward(outcome, weights, reputation, 1);
  if (Number.isFinite(reward)) return reward;
  const scaled = successReward(outcome, weights, reputation, OVERFLOW_SCALE);
  if (Number.isNaN(scaled)) throw unusableInput(outcome, weights, advertisedReputation);
  return Math.min(Number.MAX_VALUE, Math.max(-Number.MAX_VALUE, scaled / OVERFLOW_SCALE));
}

/** The success reward times `scale`, each term scaled before it is computed; at scale 1, the seed's sum in the seed's order. */
function successReward(outcome: Outcome, weights: RewardWeights, reputation: number, scale: number): number {
  return (
    -(weights.cost * scale) * outcome.actual_cost_usd -
    (outcome.actual_latency_ms * scale) / weights.latency_divisor +
    (reputation * scale) / weights.reputation_divisor +
    weights.success_bonus * scale
  );
}

/** Names the input that made the reward NaN: only an invalid one can. */
function unusableInput(outcome: Outcome, weights: RewardWeights, advertisedReputation: number | undefined): ValidationError {
  try {
    resolveRewardWeights(weights);
    if (outcome.actual_reputation === undefined && advertisedReputation !== undefined) {
      parseWith(providerSchema.shape.reputation, advertisedReputation, "advertisedReputation");
    }
    parseWith(outcomeSchema, outcome);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  // Every weight given is valid, so one is missing.
  return ValidationError.forField(
    "rewardWeights",
    "must give every weight as a number: fill in the missing ones, e.g. { ...DEFAULT_REWARD_WEIGHTS, cost: 2 }",
  );
}
