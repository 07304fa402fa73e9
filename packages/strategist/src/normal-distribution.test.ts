import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalCdf, positivePartMean } from "./normal-distribution.js";

describe("normalCdf", () => {
  it("is Φ to about seven digits", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 6);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 6);
  });
});

describe("positivePartMean", () => {
  it("is max(0, mean) without spread", () => {
    expect(positivePartMean(0.03, 0)).toBe(0.03);
    expect(positivePartMean(-0.02, 0)).toBe(0);
  });

  it("is σ/√(2π) at a mean of 0", () => {
    expect(positivePartMean(0, 0.02)).toBeCloseTo(0.02 / Math.sqrt(2 * Math.PI), 9);
  });

  it("matches E[max(0, X)] by numerical integration", () => {
    for (const [mean, sd] of [
      [-0.01, 0.02],
      [0.005, 0.01],
      [0.05, 0.01],
      [-0.05, 0.01],
    ] as const) {
      let sum = 0;
      const steps = 20_000;
      const from = mean - 10 * sd;
      const width = (20 * sd) / steps;
      for (let i = 0; i < steps; i++) {
        const x = from + (i + 0.5) * width;
        sum += Math.max(0, x) * Math.exp(-0.5 * ((x - mean) / sd) ** 2) * width;
      }
      expect(positivePartMean(mean, sd)).toBeCloseTo(sum / (sd * Math.sqrt(2 * Math.PI)), 6);
    }
  });

  it("is at least max(0, mean) and at most max(0, mean) + σ/√(2π) (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: 1e-6, max: 1, noNaN: true }), (mean, sd) => {
        const value = positivePartMean(mean, sd);
        expect(value).toBeGreaterThanOrEqual(Math.max(0, mean) - 1e-12);
        expect(value).toBeLessThanOrEqual(Math.max(0, mean) + sd / Math.sqrt(2 * Math.PI) + 1e-12);
      }),
    );
  });
});
