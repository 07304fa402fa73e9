import { ValidationError } from "@aurora/domain";

/** The weights of the reward formula (see `computeReward`). */
export interface RewardWeights {
  /** Added to every successful outcome. */
  success_bonus: number;
  /** The whole reward of a failed outcome. */
  failure_reward: number;
  /** Reward lost per USD the job actually cost. */
  cost: number;
  /** Milliseconds of observed latency that cost one point of reward. */
  latency_divisor: number;
  /** Reputation points (0–100) that earn one point of reward. */
  reputation_divisor: number;
}

/** The seed's reward: failure → −20; success → −cost − latency_ms/500 + reputation/100 + 10. */
export const DEFAULT_REWARD_WEIGHTS: RewardWeights = Object.freeze({
  success_bonus: 10,
  failure_reward: -20,
  cost: 1,
  latency_divisor: 500,
  reputation_divisor: 100,
});

const RULES: Record<keyof RewardWeights, { ok: (x: number) => boolean; expected: string }> = {
  success_bonus: { ok: Number.isFinite, expected: "a finite number" },
  failure_reward: { ok: Number.isFinite, expected: "a finite number" },
  cost: { ok: (x) => Number.isFinite(x) && x >= 0, expected: "a finite number ≥ 0 (reward lost per USD)" },
  latency_divisor: { ok: (x) => Number.isFinite(x) && x > 0, expected: "a finite number > 0 (milliseconds per point)" },
  reputation_divisor: { ok: (x) => Number.isFinite(x) && x > 0, expected: "a finite number > 0 (reputation per point)" },
};

/** Fills the missing weights from `DEFAULT_REWARD_WEIGHTS`, refusing unknown names and unusable values. */
export function resolveRewardWeights(partial: Partial<RewardWeights> | undefined): RewardWeights {
  if (partial === undefined) return DEFAULT_REWARD_WEIGHTS;
  if (typeof partial !== "object" || partial === null) {
    throw ValidationError.forField("rewardWeights", "must be an object of reward weights, e.g. { cost: 2 }");
  }
  const weights: RewardWeights = { ...DEFAULT_REWARD_WEIGHTS };
  for (const [name, value] of Object.entries(partial)) {
    if (!Object.hasOwn(RULES, name)) {
      throw ValidationError.forField(
        `rewardWeights.${name}`,
        `is not a reward weight: use one of ${Object.keys(RULES).join(", ")}`,
      );
    }
    if (value === undefined) continue;
    const key = name as keyof RewardWeights;
    const rule = RULES[key];
    if (typeof value !== "number" || !rule.ok(value)) {
      throw ValidationError.forField(`rewardWeights.${name}`, `must be ${rule.expected}, got ${String(value)}`);
    }
    weights[key] = value;
  }
  return Object.freeze(weights);
}
