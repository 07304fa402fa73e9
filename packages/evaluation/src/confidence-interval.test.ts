import { describe, expect, it } from "vitest";
import { bootstrapInterval, meanAndStderr, normalInterval, percentile, Z_95 } from "./confidence-interval.js";

describe("meanAndStderr", () => {
  it("uses the sample standard deviation: [1, 2, 3, 4] → 2.5 ± √(5/3)/2", () => {
    const { mean, stderr } = meanAndStderr(Float64Array.from([1, 2, 3, 4]));
    expect(mean).toBe(2.5);
    expect(stderr).toBeCloseTo(Math.sqrt(5 / 3) / 2, 15);
  });
});

describe("normalInterval", () => {
  it("is estimate ± 1.959964·stderr", () => {
    expect(normalInterval(1, 2)).toEqual([1 - 2 * Z_95, 1 + 2 * Z_95]);
  });
});

describe("percentile", () => {
  it("interpolates between order statistics (type 7)", () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5]);
    expect(percentile(sorted, 0.025)).toBeCloseTo(1.1, 12);
    expect(percentile(sorted, 0.975)).toBeCloseTo(4.9, 12);
    expect(percentile(sorted, 0.5)).toBe(3);
  });
});

describe("bootstrapInterval", () => {
  const values = Float64Array.from({ length: 50 }, (_, i) => i);
  const mean = (sums: Float64Array, n: number) => sums[0]! / n;

  it("is reproducible for a seed and different for another", () => {
    const a = bootstrapInterval([values], mean, 300, 1);
    expect(bootstrapInterval([values], mean, 300, 1)).toEqual(a);
    expect(bootstrapInterval([values], mean, 300, 2)).not.toEqual(a);
  });

  it("lands close to the normal interval for the mean of a symmetric sample", () => {
    const [lo, hi] = bootstrapInterval([values], mean, 4000, 1);
    const { mean: m, stderr } = meanAndStderr(values);
    const [nlo, nhi] = normalInterval(m, stderr);
    expect(Math.abs(lo - nlo)).toBeLessThan(0.5);
    expect(Math.abs(hi - nhi)).toBeLessThan(0.5);
  });

  it("leaves out resamples whose statistic is not finite", () => {
    const zeros = new Float64Array(10);
    expect(bootstrapInterval([zeros, zeros], (s) => s[0]! / s[1]!, 50, 1)).toEqual([Number.NaN, Number.NaN]);
  });
});
