/**
 * The `q`-quantile (0 ≤ q ≤ 1) of samples, by the nearest-rank method: the smallest sample with
 * at least q·n samples at or below it. Sorts `samples` in place.
 */
export function quantile(samples: number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  samples.sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * samples.length));
  return samples[rank - 1] as number;
}
