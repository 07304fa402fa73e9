import { ValidationError } from "@aurora/domain";
import { bootstrapInterval, meanAndStderr, normalInterval, withoutInterval } from "./confidence-interval.js";
import { type EstimatorOptions, resolveEstimatorOptions } from "./estimator-options.js";
import { importanceWeights } from "./importance-weights.js";
import { assertSamples, type LoggedSample } from "./logged-sample.js";
import type { OffPolicyEstimate } from "./off-policy-estimate.js";
import { fitMeanRewardModel, type RewardModelFactory } from "./reward-model.js";

export interface DoublyRobustOptions extends EstimatorOptions {
  /**
   * Cross-fitting folds K: sample i is in fold i mod K, and its q̂ comes from a model fitted on
   * the other folds. 1 fits one model on every sample (no cross-fitting). Default 5 (at most n).
   */
  folds?: number;
  /** The reward model to fit per fold. Default: `fitMeanRewardModel` (per-(state, provider) means). */
  rewardModel?: RewardModelFactory;
}

export const DEFAULT_FOLDS = 5;

/**
 * Doubly robust estimation (Dudík, Langford & Li 2011, "Doubly Robust Policy Evaluation and
 * Learning", eq. 2):
 *
 *   V̂ = (1/n) Σᵢ [ Σₐ π(a|xᵢ) q̂(xᵢ, a) + wᵢ (rᵢ − q̂(xᵢ, aᵢ)) ],
 *
 * the reward model's value of the target (the direct method) corrected by the importance-weighted
 * residual of the logged choice. Unbiased when the propensities are right, whatever q̂ is; the
 * better q̂, the smaller the variance. q̂ is cross-fitted (Chernozhukov et al. 2018) so no sample
 * is scored by a model that saw its own reward. stderr = sd(termᵢ) / √n; NaN, with the
 * interval, when fewer than two decisions have weight (as for SNIPS).
 */
export function doublyRobust(samples: readonly LoggedSample[], options?: DoublyRobustOptions): OffPolicyEstimate {
  assertSamples(samples);
  const resolved = resolveEstimatorOptions(options);
  const folds = resolveFolds(options?.folds, samples.length);
  const fitModel = options?.rewardModel ?? fitMeanRewardModel;
  if (typeof fitModel !== "function") {
    throw ValidationError.forField("rewardModel", "must be a function fitting a RewardModel on logged samples");
  }
  const { weights, supported, effectiveSampleSize } = importanceWeights(samples, resolved.clip, options?.targetName);
  const n = samples.length;
  const terms = new Float64Array(n);
  for (let k = 0; k < folds; k++) {
    const model = fitModel(folds === 1 ? samples : samples.filter((_, i) => i % folds !== k));
    for (let i = k; i < n; i += folds) {
      const s = samples[i]!;
      let direct = 0;
      for (let a = 0; a < s.actions.length; a++) {
        const p = s.target[a]!;
        if (p > 0) direct += p * model.predict(s.stateKey, s.actions[a]!);
      }
      const residual = s.reward - model.predict(s.stateKey, s.actions[s.chosen]!);
      terms[i] = direct + weights[i]! * residual;
    }
  }
  const { mean, stderr } = meanAndStderr(terms);
  // The correction then rests on one residual: the terms' spread is the model's, not the estimate's.
  if (supported < 2) return withoutInterval(mean, n, effectiveSampleSize);
  const ci95 =
    resolved.ci === "normal"
      ? normalInterval(mean, stderr)
      : bootstrapInterval([terms], (sums, size) => sums[0]! / size, resolved.bootstrapSamples, resolved.seed);
  return { estimate: mean, stderr, ci95, n, effective_sample_size: effectiveSampleSize };
}

/** The folds DR uses for n samples: `folds` (default 5), at most n. Throws a `ValidationError` naming `folds`. */
export function resolveFolds(folds: number | undefined, n: number): number {
  if (folds === undefined) return Math.min(DEFAULT_FOLDS, n);
  if (!Number.isInteger(folds) || folds < 1) {
    throw ValidationError.forField("folds", `must be a whole number ≥ 1 (1 = no cross-fitting), got ${String(folds)}`);
  }
  return Math.min(folds, n);
}
