import type { ProviderTruth } from "./market.js";
import type { RewardFn } from "./sim-router.js";

/**
 * A provider's expected reward for a job: the reward of the mean successful outcome and of
 * a failure, mixed by the failure probability. Exact for rewards linear in cost and
 * latency, such as the SPEC's (failure → −20; success → −cost − latency/500 + reputation/100 + 10).
 */
export function expectedReward(truth: ProviderTruth, advertisedReputation: number, reward: RewardFn): number {
  const p = truth.failureProbability;
  const success =
    p < 1
      ? reward(
          { decision_id: "expected", success: true, actual_cost_usd: truth.costMeanUsd, actual_latency_ms: truth.latencyMeanMs },
          advertisedReputation,
        )
      : 0;
  const failure = p > 0 ? reward(failedOutcome(truth.latencyMeanMs), advertisedReputation) : 0;
  return (1 - p) * success + p * failure;
}

/** The value of a step with no decision (or a refused one): the reward of a failed job. */
export function noDecisionReward(reward: RewardFn): number {
  return reward(failedOutcome(0), 0);
}

function failedOutcome(latencyMs: number) {
  return {
    decision_id: "expected",
    success: false,
    actual_cost_usd: 0,
    actual_latency_ms: latencyMs,
    error_reason: "job_failed",
  };
}
