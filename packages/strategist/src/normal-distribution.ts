/** Φ(x), the standard normal CDF (Abramowitz & Stegun 7.1.26 erf approximation, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-(x * x) / 2);
  return x >= 0 ? 1 - y / 2 : y / 2;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * E[max(0, X)] for X ~ N(mean, sd²): mean·Φ(mean/sd) + sd·φ(mean/sd), the mean of a Gaussian
 * belief about a rate once the rate is known not to be negative; max(0, mean) for sd = 0.
 */
export function positivePartMean(mean: number, sd: number): number {
  if (!(sd > 0)) return Math.max(0, mean);
  const z = mean / sd;
  return mean * normalCdf(z) + sd * Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
}
