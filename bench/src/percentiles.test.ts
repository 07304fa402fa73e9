import { describe, expect, it } from "vitest";
import { quantile } from "./percentiles.js";

describe("quantile", () => {
  it("takes the nearest rank: the smallest sample with at least q·n samples at or below it", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1
    expect(quantile(samples, 0.5)).toBe(50);
    expect(quantile(samples, 0.99)).toBe(99);
    expect(quantile(samples, 1)).toBe(100);
    expect(quantile(samples, 0)).toBe(1);
  });

  it("gives the only sample for one, and NaN for none", () => {
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
