import { createRng } from "@aurora/domain";
import type { OffPolicyEstimate } from "./off-policy-estimate.js";

/** The standard normal's 97.5% quantile: a two-sided 95% interval is estimate ± Z_95·stderr. */
export const Z_95 = 1.959963984540054;

/** Mean and standard error of the mean, sd/√n with the sample (n − 1) standard deviation. */
export function meanAndStderr(values: Float64Array): { mean: number; stderr: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - mean) ** 2;
  return { mean, stderr: Math.sqrt(squares / (n - 1) / n) };
}

/**
 * An estimate with no stderr and no interval (NaN, shown as n/a): what an importance-weighted
 * estimator returns when fewer than two logged decisions have weight, since one weighted reward
 * says nothing of the spread (its stderr would be 0 or rest on that single reward).
 */
export function withoutInterval(estimate: number, n: number, effectiveSampleSize: number): OffPolicyEstimate {
  return { estimate, stderr: Number.NaN, ci95: [Number.NaN, Number.NaN], n, effective_sample_size: effectiveSampleSize };
}

/** The normal-approximation 95% interval, estimate ± 1.96·stderr. */
export function normalInterval(estimate: number, stderr: number): [number, number] {
  return [estimate - Z_95 * stderr, estimate + Z_95 * stderr];
}

/**
 * The percentile bootstrap's 95% interval (Efron & Tibshirani 1993, ch. 13). Each of
 * `resamples` rounds draws n rows with replacement (seeded mulberry32), sums every column over
 * them and hands the sums to `statistic`; the interval is the 2.5th and 97.5th percentiles of
 * the finite statistics (linear interpolation between order statistics). Rounds whose statistic
 * is not finite (e.g. a ratio with a zero denominator) are left out.
 */
export function bootstrapInterval(
  columns: readonly Float64Array[],
  statistic: (sums: Float64Array, n: number) => number,
  resamples: number,
  seed: number,
): [number, number] {
  const n = columns[0]!.length;
  const rng = createRng(seed);
  const sums = new Float64Array(columns.length);
  const stats = new Float64Array(resamples);
  let kept = 0;
  for (let b = 0; b < resamples; b++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) {
      const row = Math.min(n - 1, Math.floor(rng() * n));
      for (let c = 0; c < columns.length; c++) sums[c]! += columns[c]![row]!;
    }
    const value = statistic(sums, n);
    if (Number.isFinite(value)) stats[kept++] = value;
  }
  if (kept === 0) return [Number.NaN, Number.NaN];
  const sorted = stats.subarray(0, kept).sort();
  return [percentile(sorted, 0.025), percentile(sorted, 0.975)];
}

/** The p-quantile of ascending `sorted`, interpolating linearly between order statistics (Hyndman & Fan type 7). */
export function percentile(sorted: Float64Array, p: number): number {
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}
