import { bootstrapInterval, meanAndStderr, normalInterval, withoutInterval } from "./confidence-interval.js";
import { type EstimatorOptions, resolveEstimatorOptions } from "./estimator-options.js";
import { importanceWeights } from "./importance-weights.js";
import { assertSamples, type LoggedSample } from "./logged-sample.js";
import type { OffPolicyEstimate } from "./off-policy-estimate.js";

/**
 * Inverse propensity scoring (Horvitz & Thompson 1952; for bandits, e.g. Dudík, Langford & Li
 * 2011, eq. 1): V̂ = (1/n) Σ wᵢ rᵢ with wᵢ = min(π(aᵢ|xᵢ) / μ(aᵢ|xᵢ), clip). Unbiased without
 * clipping when every action the target may take had a positive logging probability; clipping
 * trades a downward bias (for positive rewards) for less variance. stderr = sd(wᵢ rᵢ) / √n;
 * NaN, with the interval, when fewer than two decisions have weight (as for SNIPS).
 */
export function ips(samples: readonly LoggedSample[], options?: EstimatorOptions): OffPolicyEstimate {
  assertSamples(samples);
  const resolved = resolveEstimatorOptions(options);
  const { weights, supported, effectiveSampleSize } = importanceWeights(samples, resolved.clip, options?.targetName);
  const n = samples.length;
  const terms = new Float64Array(n);
  for (let i = 0; i < n; i++) terms[i] = weights[i]! * samples[i]!.reward;
  const { mean, stderr } = meanAndStderr(terms);
  // One weighted reward among zeros: sd(wᵢrᵢ) measures how rare it is, not how far V̂ may be off.
  if (supported < 2) return withoutInterval(mean, n, effectiveSampleSize);
  const ci95 =
    resolved.ci === "normal"
      ? normalInterval(mean, stderr)
      : bootstrapInterval([terms], (sums, size) => sums[0]! / size, resolved.bootstrapSamples, resolved.seed);
  return { estimate: mean, stderr, ci95, n, effective_sample_size: effectiveSampleSize };
}
