import { bootstrapInterval, meanAndStderr, normalInterval } from "./confidence-interval.js";
import { type EstimatorOptions, resolveEstimatorOptions } from "./estimator-options.js";
import { assertSamples, type LoggedSample } from "./logged-sample.js";
import type { OffPolicyEstimate } from "./off-policy-estimate.js";

/**
 * The logging policy's own value: the mean logged reward (on-policy, no reweighting), with the
 * same interval method as the estimators; its effective sample size is n. `clip` does not apply.
 */
export function loggedValue(samples: readonly LoggedSample[], options?: EstimatorOptions): OffPolicyEstimate {
  assertSamples(samples);
  const resolved = resolveEstimatorOptions(options);
  const n = samples.length;
  const rewards = new Float64Array(n);
  for (let i = 0; i < n; i++) rewards[i] = samples[i]!.reward;
  const { mean, stderr } = meanAndStderr(rewards);
  const ci95 =
    resolved.ci === "normal"
      ? normalInterval(mean, stderr)
      : bootstrapInterval([rewards], (sums, size) => sums[0]! / size, resolved.bootstrapSamples, resolved.seed);
  return { estimate: mean, stderr, ci95, n, effective_sample_size: n };
}
