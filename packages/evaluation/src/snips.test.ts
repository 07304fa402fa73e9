import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tinyLog } from "../test/samples.js";
import type { LoggedSample } from "./logged-sample.js";
import { snips } from "./snips.js";

describe("snips", () => {
  it("divides the weighted rewards by the sum of weights: (12.5 + 7.5) / 2.5 = 8", () => {
    const result = snips(tinyLog());
    expect(result.estimate).toBe(8);
    // delta method: √(Σ wᵢ² (rᵢ − 8)²) / Σ wᵢ = √(1.5625·4 + 1.5625·4) / 2.5
    expect(result.stderr).toBeCloseTo(Math.sqrt(12.5) / 2.5, 12);
    expect(result.n).toBe(4);
    expect(result.effective_sample_size).toBe(2);
  });

  it("gives no interval, rather than one of width 0, when a single decision has weight", () => {
    // The target always picks "b"; only the second logged decision chose it.
    const samples: LoggedSample[] = [
      { stateKey: "s", actions: ["a", "b"], chosen: 0, reward: 10, propensity: 0.5, target: [0, 1] },
      { stateKey: "s", actions: ["a", "b"], chosen: 1, reward: 4, propensity: 0.5, target: [0, 1] },
      { stateKey: "s", actions: ["a", "b"], chosen: 0, reward: 6, propensity: 0.5, target: [0, 1] },
    ];
    for (const ci of ["normal", "bootstrap"] as const) {
      const result = snips(samples, { ci, seed: 1 });
      expect(result.estimate).toBe(4);
      expect(result.stderr).toBeNaN();
      expect(result.ci95.every(Number.isNaN)).toBe(true);
    }
  });

  it("gives a finite standard error where the squared weights overflow", () => {
    // Every weight 1.25e300 (propensities of 8e-301, below the log format's floor, given directly).
    const huge = tinyLog().map((s) => ({ ...s, propensity: s.chosen === 0 ? 8e-301 : s.propensity }));
    const result = snips(huge);
    expect(result.estimate).toBe(8);
    expect(result.stderr).toBeCloseTo(Math.sqrt(12.5) / 2.5, 12);
    expect(result.ci95.every(Number.isFinite)).toBe(true);
  });

  it("is unchanged by clipping that cuts every weight alike", () => {
    expect(snips(tinyLog(), { clip: 1 }).estimate).toBe(8);
  });

  it("resamples numerator and denominator together in the bootstrap", () => {
    const samples = [...tinyLog(), ...tinyLog()];
    const { ci95 } = snips(samples, { ci: "bootstrap", seed: 3, bootstrapSamples: 400 });
    // Every resample averages rewards of "a" only (10s and 6s), so the interval stays within [6, 10].
    expect(ci95[0]).toBeGreaterThanOrEqual(6);
    expect(ci95[1]).toBeLessThanOrEqual(10);
    expect(ci95[0]).toBeLessThan(ci95[1]);
  });

  it("equals the logged mean reward when the target is the logging policy", () => {
    const sample = fc
      .record({
        weights: fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
        pick: fc.nat(),
        reward: fc.double({ min: -20, max: 20, noNaN: true }),
      })
      .map(({ weights, pick, reward }): LoggedSample => {
        const total = weights.reduce((a, b) => a + b, 0);
        const mu = weights.map((w) => w / total);
        const chosen = pick % mu.length;
        return { stateKey: "s", actions: mu.map((_, i) => `p${i}`), chosen, reward, propensity: mu[chosen]!, target: mu };
      });
    fc.assert(
      fc.property(fc.array(sample, { minLength: 2, maxLength: 40 }), (samples) => {
        const mean = samples.reduce((a, s) => a + s.reward, 0) / samples.length;
        expect(snips(samples).estimate).toBeCloseTo(mean, 9);
      }),
    );
  });
});
