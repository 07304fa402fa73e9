import { normal, type Rng } from "@aurora/domain";

/**
 * A log-normal draw with exactly this mean and standard deviation: positive, skewed like
 * real latencies and bills, and its mean is the one the oracle's expectation uses.
 * σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2. Always takes one normal draw from `rng`,
 * even when sd is 0, so the draws after it do not shift.
 */
export function lognormal(rng: Rng, mean: number, sd: number): number {
  const z = normal(rng);
  if (mean <= 0 || sd <= 0) return mean;
  let sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
  // sd² or sd²/mean² overflows for extreme ratios (a tiny mean, a huge spread): ln(1 + r²) → 2·ln r there.
  if (!Number.isFinite(sigma2)) sigma2 = 2 * (Math.log(sd) - Math.log(mean));
  return Math.exp(Math.log(mean) - sigma2 / 2 + Math.sqrt(sigma2) * z);
}
