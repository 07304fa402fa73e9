import { discountRule, priorFailureRateRule } from "./linear-model-options.js";
import type { OptionRules } from "./option-rules.js";
import { numberRule } from "./option-rules.js";
import type { PolicyRewardWeights } from "./reward-decomposition.js";
import { rewardWeightsRule } from "./reward-decomposition.js";

/** The options every non-contextual bandit (UCB1, Thompson sampling, softmax) shares. */
export interface BanditParams {
  /** γ: what was learned fades by γ at each learned reward (1 = never forget). Default 0.9995. */
  discount: number;
  /** Failure probability assumed before anything is learned. Default 0.05. */
  priorFailureRate: number;
  /** How many observations each level of the prior is worth. Default 5. */
  priorStrength: number;
  /** The engine's reward weights (the SPEC's by default), for the reward's known part. */
  rewardWeights: PolicyRewardWeights;
}

export const banditRules: OptionRules<BanditParams> = {
  discount: discountRule,
  priorFailureRate: priorFailureRateRule,
  priorStrength: numberRule(
    5,
    (v) => Number.isFinite(v) && v > 0,
    "must be a finite number > 0 (how many observations each level of the prior is worth)",
  ),
  rewardWeights: rewardWeightsRule,
};
