import type { Context, Provider, ValidationIssue } from "@aurora/domain";
import type { OptionRule } from "./option-rules.js";
import { describeValue } from "./option-rules.js";
import type { RewardUpdate } from "./policy.js";

/**
 * The weights of the reward the engine computes (SPEC "Reward", `@aurora/executor`'s
 * `RewardWeights`, same names): failure → `failure_reward`; success → −cost·actual_cost_usd
 * − actual_latency_ms/latency_divisor + reputation/reputation_divisor + success_bonus.
 * Give a policy the same weights as the engine's `rewardWeights`.
 */
export interface PolicyRewardWeights {
  success_bonus: number;
  failure_reward: number;
  cost: number;
  latency_divisor: number;
  reputation_divisor: number;
}

export const DEFAULT_POLICY_REWARD_WEIGHTS: Readonly<PolicyRewardWeights> = Object.freeze({
  success_bonus: 10,
  failure_reward: -20,
  cost: 1,
  latency_divisor: 500,
  reputation_divisor: 100,
});

const weightRules: Record<keyof PolicyRewardWeights, { ok: (x: number) => boolean; expected: string }> = {
  success_bonus: { ok: Number.isFinite, expected: "a finite number" },
  failure_reward: { ok: Number.isFinite, expected: "a finite number" },
  cost: { ok: (x) => Number.isFinite(x) && x >= 0, expected: "a finite number ≥ 0 (reward lost per USD)" },
  latency_divisor: { ok: (x) => Number.isFinite(x) && x > 0, expected: "a finite number > 0 (milliseconds per point)" },
  reputation_divisor: { ok: (x) => Number.isFinite(x) && x > 0, expected: "a finite number > 0 (reputation per point)" },
};

/** The `rewardWeights` option: a partial object of weights, the rest from the SPEC's reward. */
export const rewardWeightsRule: OptionRule<PolicyRewardWeights> = {
  default: DEFAULT_POLICY_REWARD_WEIGHTS,
  check(value, field) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return [{ field, message: "must be an object of reward weights such as { cost: 2 } (the engine's rewardWeights)" }];
    }
    const issues: ValidationIssue[] = [];
    for (const [name, weight] of Object.entries(value)) {
      if (!Object.hasOwn(weightRules, name)) {
        issues.push({ field: `${field}.${name}`, message: `is not a reward weight: use ${Object.keys(weightRules).join(", ")}` });
        continue;
      }
      const rule = weightRules[name as keyof PolicyRewardWeights];
      if (weight !== undefined && (typeof weight !== "number" || !rule.ok(weight))) {
        issues.push({ field: `${field}.${name}`, message: `must be ${rule.expected}, got ${describeValue(weight)}` });
      }
    }
    return issues;
  },
  resolve(value) {
    const weights = { ...DEFAULT_POLICY_REWARD_WEIGHTS };
    for (const [name, weight] of Object.entries(value as Partial<PolicyRewardWeights>)) {
      if (weight !== undefined) weights[name as keyof PolicyRewardWeights] = weight;
    }
    return Object.freeze(weights);
  },
};

/*
 * Reward decomposition. A successful job earns
 *   known + prior + residual
 * where known = −cost·price_usd_per_hour·gpu_hours + reputation/reputation_divisor is read off the
 * advertised record before the decision (the job's advertised cost and reputation), prior =
 * success_bonus − latency_ms/latency_divisor is what the advertised latency promises, and the
 * residual (hidden fees, real latency above the advertised one) is learned. A failed job earns
 * failure_reward, which is known too. So the expected reward is
 *   (1 − q)·(known + prior + residual) + q·failure_reward
 * and only q, the failure probability, and the residual are learned.
 */

/** The part of a successful job's reward known from the advertised record: −cost·price·hours + reputation/divisor. */
export function knownReward(context: Context, provider: Provider, weights: PolicyRewardWeights): number {
  return -weights.cost * provider.price_usd_per_hour * context.gpu_hours + provider.reputation / weights.reputation_divisor;
}

/** What a success earns beyond the known part if the advertised latency holds and there are no hidden fees. */
export function successPrior(provider: Provider, weights: PolicyRewardWeights): number {
  return weights.success_bonus - provider.latency_ms / weights.latency_divisor;
}

/** (1 − q)·valueOnSuccess + q·failureReward, with q clamped to [0, 1]. */
export function expectedReward(failureProbability: number, valueOnSuccess: number, failureReward: number): number {
  const q = Math.min(1, Math.max(0, failureProbability));
  return (1 - q) * valueOnSuccess + q * failureReward;
}

/**
 * Whether the job of an update succeeded: `outcome.success` when the caller passed the
 * outcome (the engine does); otherwise a reward other than `failure_reward` is a success
 * (exact for the SPEC's reward, where a failure earns exactly `failure_reward`).
 */
export function succeeded(update: RewardUpdate, weights: PolicyRewardWeights): boolean {
  const success = update.outcome?.success;
  return typeof success === "boolean" ? success : update.reward !== weights.failure_reward;
}

/** The learned residual of a successful job: reward − known − prior. */
export function successResidual(update: RewardUpdate, weights: PolicyRewardWeights): number {
  return update.reward - knownReward(update.context, update.provider, weights) - successPrior(update.provider, weights);
}
