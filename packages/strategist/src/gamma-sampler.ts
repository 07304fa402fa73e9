import type { Rng } from "@aurora/domain";
import type { NormalSampler } from "./normal-sampler.js";

/**
 * A Gamma(shape, 1) draw by Marsaglia & Tsang's method ("A simple method for generating
 * gamma variables", ACM TOMS 2000): for shape ≥ 1, d = shape − 1/3, c = 1/√(9d); draw
 * x ~ N(0, 1) until v = (1 + c·x)³ > 0 and ln u < x²/2 + d − d·v + d·ln v, then return d·v.
 * For shape < 1 it draws Gamma(shape + 1) and multiplies by u^(1/shape).
 */
export function gammaSample(shape: number, rng: Rng, normal: NormalSampler): number {
  if (shape < 1) {
    let u = rng();
    while (u === 0) u = rng();
    return gammaSample(shape + 1, rng, normal) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal.next();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(a, b) draw: X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function betaSample(a: number, b: number, rng: Rng, normal: NormalSampler): number {
  const x = gammaSample(a, rng, normal);
  const y = gammaSample(b, rng, normal);
  return x / (x + y);
}
