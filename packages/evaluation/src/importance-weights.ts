import { NoOverlapError } from "./errors.js";
import type { LoggedSample } from "./logged-sample.js";

export interface ImportanceWeights {
  /**
   * w_i = min(π(a_i|x_i) / μ(a_i|x_i), clip), in sample order; π(a_i|x_i) · inversePropensity
   * where the sample has one (an unbiased estimate of 1/μ for a Monte Carlo propensity).
   */
  weights: Float64Array;
  sum: number;
  /** Σw²; Infinity when a weight is above ~1e154 (only samples outside the log format's bounds have one). */
  sumOfSquares: number;
  /** The largest weight. */
  max: number;
  /** How many weights are above 0: the decisions the target policy could have made as logged. */
  supported: number;
  /** How many weights were cut to `clip`. */
  clipped: number;
  /**
   * Kish's effective sample size, (Σw)² / Σw², computed on the weights divided by the largest
   * (the ratio is unchanged), so it stays finite where Σw² overflows.
   */
  effectiveSampleSize: number;
}

/**
 * The importance weights of the logged choices under the target policy, clipped at `clip`.
 * Throws `NoOverlapError` when every weight is 0: the target never picks a logged choice.
 */
export function importanceWeights(samples: readonly LoggedSample[], clip: number, targetName?: string): ImportanceWeights {
  const weights = new Float64Array(samples.length);
  let sum = 0;
  let sumOfSquares = 0;
  let max = 0;
  let supported = 0;
  let clipped = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    let w = s.inversePropensity === undefined ? s.target[s.chosen]! / s.propensity : s.target[s.chosen]! * s.inversePropensity;
    if (w > clip) {
      w = clip;
      clipped++;
    }
    weights[i] = w;
    sum += w;
    sumOfSquares += w * w;
    if (w > max) max = w;
    if (w > 0) supported++;
  }
  if (supported === 0) throw new NoOverlapError(samples.length, targetName);
  return { weights, sum, sumOfSquares, max, supported, clipped, effectiveSampleSize: kishEffectiveSize(weights, max) };
}

/** (Σv)² / Σv² with v = w / max: each v ≤ 1, so neither sum can overflow. */
function kishEffectiveSize(weights: Float64Array, max: number): number {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < weights.length; i++) {
    const v = weights[i]! / max;
    sum += v;
    squares += v * v;
  }
  return (sum * sum) / squares;
}
