import { ValidationError } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RunningStats, Z_95 } from "./running-stats.js";

function of(rewards: number[], decay = 1): RunningStats {
  const stats = new RunningStats();
  for (const reward of rewards) stats.push(reward, decay);
  return stats;
}

describe("RunningStats", () => {
  it("keeps the mean and the sample variance (Welford), undiscounted", () => {
    const stats = of([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(stats.count).toBe(8);
    expect(stats.mean).toBe(5);
    expect(stats.variance).toBeCloseTo(32 / 7, 12);
    expect(stats.effectiveCount).toBe(8);
    expect(stats.standardError).toBeCloseTo(Math.sqrt(32 / 7 / 8), 12);
  });

  it("reports a 95% normal-approximation interval, mean ± 1.96·s/√n", () => {
    const summary = of([2, 4, 4, 4, 5, 5, 7, 9]).summary();
    const half = Z_95 * Math.sqrt(32 / 7 / 8);
    expect(summary.count).toBe(8);
    expect(summary.mean).toBe(5);
    expect(summary.ci_low).toBeCloseTo(5 - half, 12);
    expect(summary.ci_high).toBeCloseTo(5 + half, 12);
  });

  it("has no interval below two rewards, and open bounds", () => {
    expect(of([]).summary()).toEqual({ count: 0, mean: 0, ci_low: null, ci_high: null });
    expect(of([3]).summary()).toEqual({ count: 1, mean: 3, ci_low: null, ci_high: null });
    expect(of([3]).lowerBound(1.96)).toBe(Number.NEGATIVE_INFINITY);
    expect(of([3]).upperBound(1.96)).toBe(Number.POSITIVE_INFINITY);
  });

  it("weighs a reward k pushes old by τᵏ when discounted", () => {
    // Weights 0.25, 0.5, 1 for 0, 0, 7: mean 7/1.75 = 4, n_eff = 1.75²/1.3125.
    const stats = of([0, 0, 7], 0.5);
    expect(stats.mean).toBeCloseTo(4, 12);
    expect(stats.effectiveCount).toBeCloseTo(1.75 ** 2 / 1.3125, 12);
    expect(stats.count).toBe(3);
  });

  it("matches a direct weighted computation for any rewards and discount", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 2, maxLength: 40 }),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        (rewards, decay) => {
          const stats = of(rewards, decay);
          const weights = rewards.map((_, i) => decay ** (rewards.length - 1 - i));
          const w = weights.reduce((a, b) => a + b, 0);
          const w2 = weights.reduce((a, b) => a + b * b, 0);
          const mean = rewards.reduce((a, r, i) => a + weights[i]! * r, 0) / w;
          const m2 = rewards.reduce((a, r, i) => a + weights[i]! * (r - mean) ** 2, 0);
          expect(stats.mean).toBeCloseTo(mean, 8);
          expect(stats.effectiveCount).toBeCloseTo((w * w) / w2, 8);
          expect(stats.variance).toBeCloseTo(m2 / (w - w2 / w), 6);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it("round-trips through JSON", () => {
    const stats = of([1, 5, -3], 0.9);
    const back = RunningStats.fromJSON(JSON.parse(JSON.stringify(stats)), "rewards");
    expect(back.toJSON()).toEqual(stats.toJSON());
  });

  it("refuses a bad saved state, naming the field", () => {
    expect(() => RunningStats.fromJSON({ count: 1, weight: 1, weight2: 1, mean: "x", m2: 0 }, "arms[0].rewards")).toThrow(
      /^arms\[0\]\.rewards\.mean: must be a finite number/,
    );
    expect(() => RunningStats.fromJSON(null, "rewards")).toThrow(ValidationError);
  });
});
