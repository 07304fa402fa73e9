import { bootstrapInterval, normalInterval } from "./confidence-interval.js";
import { type EstimatorOptions, resolveEstimatorOptions } from "./estimator-options.js";
import { importanceWeights } from "./importance-weights.js";
import { assertSamples, type LoggedSample } from "./logged-sample.js";
import type { OffPolicyEstimate } from "./off-policy-estimate.js";

/**
 * Self-normalised IPS (Swaminathan & Joachims 2015, "The Self-Normalized Estimator for
 * Counterfactual Learning", eq. 5): V̂ = Σ wᵢ rᵢ / Σ wᵢ, with the same clipped weights as IPS.
 * Slightly biased but consistent, bounded by the observed rewards, and invariant to adding a
 * constant to every reward. stderr by the delta method: √(Σ wᵢ² (rᵢ − V̂)²) / Σ wᵢ. With fewer
 * than two decisions of non-zero weight there is no spread to estimate: stderr and the interval
 * are NaN (shown as n/a), not an interval of width 0.
 */
export function snips(samples: readonly LoggedSample[], options?: EstimatorOptions): OffPolicyEstimate {
  assertSamples(samples);
  const resolved = resolveEstimatorOptions(options);
  const { weights, sum, effectiveSampleSize } = importanceWeights(samples, resolved.clip, options?.targetName);
  const n = samples.length;
  const weighted = new Float64Array(n);
  let weightedSum = 0;
  for (let i = 0; i < n; i++) {
    weighted[i] = weights[i]! * samples[i]!.reward;
    weightedSum += weighted[i]!;
  }
  const estimate = weightedSum / sum;
  let supported = 0;
  for (let i = 0; i < n; i++) if (weights[i]! > 0) supported++;
  // With one decision the target would have made, V̂ is that decision's reward and the delta
  // method's spread is 0: an interval [r, r] would claim certainty from a single reward.
  if (supported < 2)
    return { estimate, stderr: Number.NaN, ci95: [Number.NaN, Number.NaN], n, effective_sample_size: effectiveSampleSize };
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (weights[i]! * (samples[i]!.reward - estimate)) ** 2;
  const stderr = Math.sqrt(squares) / sum;
  const ci95 =
    resolved.ci === "normal"
      ? normalInterval(estimate, stderr)
      : bootstrapInterval([weighted, weights], (sums) => sums[0]! / sums[1]!, resolved.bootstrapSamples, resolved.seed);
  return { estimate, stderr, ci95, n, effective_sample_size: effectiveSampleSize };
}
