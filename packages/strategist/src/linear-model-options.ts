import type { FeatureCross } from "./context-features.js";
import { FEATURE_CROSSES } from "./context-features.js";
import type { OptionRule, OptionRules } from "./option-rules.js";
import { integerRule, numberRule } from "./option-rules.js";
import type { PolicyRewardWeights } from "./reward-decomposition.js";
import { rewardWeightsRule } from "./reward-decomposition.js";

/**
 * The options of the contextual policies' outcome model (LinUCB, linear Thompson sampling). The
 * defaults given here are `lin-thompson`'s; `lin-ucb` has tuned ones of its own for the discounts,
 * ridges, half-lives and shift priors (see `policyCatalog["lin-ucb"].defaults`).
 */
export interface LinearModelParams {
  /**
   * γ of the success model (a successful job's reward residual and its noise): what was learned
   * is multiplied by it at each learned reward (1 = never forget). Default 0.9995 (`lin-ucb`:
   * 0.999455).
   */
  discount: number;
  /**
   * γ of the failure model. Default 0.9999, a half-life of about 6,900 learned rewards (`lin-ucb`:
   * 0.999858, about 4,900): failure rates of a few percent take thousands of outcomes to estimate,
   * and an outage or other abrupt change is the shift detector's to follow, not the slow model's.
   */
  failureDiscount: number;
  /** λ: prior precision of each provider feature of the failure model, in observations. Default 100 (`lin-ucb`: 191). */
  ridge: number;
  /** λ of each provider feature of the success model. Default 2 (`lin-ucb`: 3.4). */
  successRidge: number;
  /** Failure probability assumed for a provider nothing is known about. Default 0.05. */
  priorFailureRate: number;
  /** Most features per model (memory d² · 8 bytes · 2 per model). Default 256. */
  maxFeatures: number;
  /**
   * Half-life, in learned rewards, of a provider's failure shift (an outage): the chance it ends
   * between two outcomes, and how fast the belief fades while the provider goes untried (so it
   * is tried again). 0 turns shift detection off. Default 600 (`lin-ucb`: 860).
   */
  shiftHalfLife: number;
  /**
   * Learned rewards after which a provider's success evidence, and the belief in a shift of its
   * success residual (a latency spike, new fees), count half. Successes come often, so this
   * evidence can fade faster than an outage's. Default 300 (`lin-ucb`: 292).
   */
  successShiftHalfLife: number;
  /**
   * Prior probability, per outcome, that a provider's success residual shifts (a latency spike,
   * new fees), and its failure rate too when `shiftStartRate` is 0. Default 0.0002 (`lin-ucb`: 0.000111).
   */
  shiftPrior: number;
  /**
   * Rate, per learned reward of any provider, at which a provider's failure rate shifts (an
   * outage begins): the prior that one began in the gap before an outcome is
   * 1 − e^(−rate·gap), so a provider back after a long silence is more readily suspected than
   * one used a moment ago. 0 uses `shiftPrior` per outcome instead. Default 0.00005, one outage
   * per provider every 20,000 learned rewards (`lin-ucb`: 0.0000609, one every ~16,400).
   */
  shiftStartRate: number;
  /** Context parts crossed with each provider in the failure model. Default none: the provider is one feature everywhere. */
  crosses: FeatureCross[];
  /** The engine's reward weights (the SPEC's by default), for the reward's known part. */
  rewardWeights: PolicyRewardWeights;
}

const crossesRule: OptionRule<FeatureCross[]> = {
  default: [],
  check(value, field) {
    const ok =
      Array.isArray(value) &&
      value.every((v) => (FEATURE_CROSSES as readonly unknown[]).includes(v)) &&
      new Set(value).size === value.length;
    return ok
      ? []
      : [
          {
            field,
            message: `must be an array of distinct context parts from ${FEATURE_CROSSES.map((c) => `"${c}"`).join(", ")}`,
          },
        ];
  },
  resolve: (value) => [...(value as FeatureCross[])],
};

export const discountRule = numberRule(
  0.9995,
  (v) => v >= 0.5 && v <= 1,
  "must be a number from 0.5 to 1 (γ, kept of what was learned at each reward; 0.5 halves it at every reward, 1 never forgets)",
);

const failureDiscountRule = numberRule(
  0.9999,
  (v) => v >= 0.5 && v <= 1,
  "must be a number from 0.5 to 1 (γ of the failure model, kept of what was learned at each reward; 1 never forgets)",
);

export const priorFailureRateRule = numberRule(
  0.05,
  (v) => v >= 0 && v < 1,
  "must be a number from 0 up to, but not including, 1 (failure probability of a provider nothing is known about)",
);

export const shiftHalfLifeRule = numberRule(
  600,
  (v) => Number.isFinite(v) && v >= 0,
  "must be a finite number ≥ 0 (half-life, in learned rewards, of a provider's shift; 0 turns shift detection off)",
);

export const successShiftHalfLifeRule = numberRule(
  300,
  (v) => Number.isFinite(v) && v > 0,
  "must be a finite number > 0 (learned rewards after which a provider's success evidence counts half)",
);

export const shiftPriorRule = numberRule(
  0.0002,
  (v) => v >= 0 && v < 1,
  "must be a number from 0 up to, but not including, 1 (prior probability that a provider is shifted; 0 turns detection off)",
);

export const linearModelRules: OptionRules<LinearModelParams> = {
  discount: discountRule,
  failureDiscount: failureDiscountRule,
  ridge: numberRule(
    100,
    (v) => Number.isFinite(v) && v > 0,
    "must be a finite number > 0 (λ, the prior precision of a provider's failure features)",
  ),
  successRidge: numberRule(
    2,
    (v) => Number.isFinite(v) && v > 0,
    "must be a finite number > 0 (λ, the prior precision of a provider's success features)",
  ),
  priorFailureRate: priorFailureRateRule,
  maxFeatures: integerRule(256, 8, 4096, "features per model; memory grows with its square"),
  crosses: crossesRule,
  shiftHalfLife: shiftHalfLifeRule,
  successShiftHalfLife: successShiftHalfLifeRule,
  shiftPrior: shiftPriorRule,
  shiftStartRate: numberRule(
    0.00005,
    (v) => v >= 0 && v < 1,
    "must be a number from 0 up to, but not including, 1 (rate per learned reward at which a provider's failure rate shifts; 0 uses shiftPrior per outcome)",
  ),
  rewardWeights: rewardWeightsRule,
};
