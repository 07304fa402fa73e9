import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { tinyLog } from "../test/samples.js";
import { Z_95 } from "./confidence-interval.js";
import { NoOverlapError } from "./errors.js";
import { ips } from "./ips.js";
import type { LoggedSample } from "./logged-sample.js";

/** The target always picks "b"; only the second of three logged decisions chose it. */
const oneSupported: LoggedSample[] = [
  { stateKey: "s", actions: ["a", "b"], chosen: 0, reward: 10, propensity: 0.5, target: [0, 1] },
  { stateKey: "s", actions: ["a", "b"], chosen: 1, reward: 4, propensity: 0.5, target: [0, 1] },
  { stateKey: "s", actions: ["a", "b"], chosen: 0, reward: 6, propensity: 0.5, target: [0, 1] },
];

describe("ips", () => {
  it("averages the importance-weighted rewards: (1.25·10 + 0 + 1.25·6 + 0) / 4 = 5", () => {
    const result = ips(tinyLog());
    expect(result.estimate).toBe(5);
    // terms 12.5, 0, 7.5, 0: sample variance 112.5 / 3 = 37.5, stderr √(37.5 / 4)
    expect(result.stderr).toBeCloseTo(Math.sqrt(9.375), 12);
    expect(result.ci95[0]).toBeCloseTo(5 - Z_95 * Math.sqrt(9.375), 12);
    expect(result.ci95[1]).toBeCloseTo(5 + Z_95 * Math.sqrt(9.375), 12);
    expect(result.n).toBe(4);
    // weights 1.25, 0, 1.25, 0: (2.5)² / (2 · 1.5625)
    expect(result.effective_sample_size).toBe(2);
  });

  it("weighs a stochastic target by its probability of the logged choice", () => {
    // target (0.5, 0.5): weights 0.625, 2.5, 0.625, 2.5 → terms 6.25, 10, 3.75, 5
    expect(ips(tinyLog([0.5, 0.5])).estimate).toBe(6.25);
  });

  it("gives no interval, rather than a narrow one, when a single decision has weight", () => {
    for (const ci of ["normal", "bootstrap"] as const) {
      const result = ips(oneSupported, { ci, seed: 1 });
      // (0 + 2·4 + 0) / 3
      expect(result.estimate).toBeCloseTo(8 / 3, 12);
      expect(result.stderr).toBeNaN();
      expect(result.ci95.every(Number.isNaN)).toBe(true);
      expect(result.effective_sample_size).toBe(1);
    }
  });

  it("cuts weights above clip", () => {
    // weights 1, 0, 1, 0 → terms 10, 0, 6, 0
    const result = ips(tinyLog(), { clip: 1 });
    expect(result.estimate).toBe(4);
    expect(result.effective_sample_size).toBe(2);
  });

  it("gives a seeded percentile-bootstrap interval around the estimate", () => {
    const samples = [...tinyLog(), ...tinyLog(), ...tinyLog()];
    const a = ips(samples, { ci: "bootstrap", seed: 7, bootstrapSamples: 500 });
    const b = ips(samples, { ci: "bootstrap", seed: 7, bootstrapSamples: 500 });
    expect(a.ci95).toEqual(b.ci95);
    expect(a.ci95[0]).toBeLessThan(a.estimate);
    expect(a.ci95[1]).toBeGreaterThan(a.estimate);
    expect(ips(samples, { ci: "bootstrap", seed: 8, bootstrapSamples: 500 }).ci95).not.toEqual(a.ci95);
  });

  it("refuses a target that never picks a logged choice", () => {
    expect(() =>
      ips(
        tinyLog([0, 1]).filter((s) => s.chosen === 0),
        { targetName: "always:b" },
      ),
    ).toThrow(NoOverlapError);
    expect(() =>
      ips(
        tinyLog([0, 1]).filter((s) => s.chosen === 0),
        { targetName: "always:b" },
      ),
    ).toThrow('target policy "always:b" never picks the logged provider in any of the 2 logged decisions');
  });

  it("names the bad sample or option", () => {
    const bad = tinyLog();
    bad[2] = { ...bad[2]!, propensity: 0 };
    expect(() => ips(bad)).toThrow(ValidationError);
    expect(() => ips(bad)).toThrow("samples[2].propensity: must be a number in (0, 1], got 0");
    expect(() => ips(tinyLog().slice(0, 1))).toThrow("samples: must hold at least 2 logged decisions");
    expect(() => ips(tinyLog(), { clip: 0 })).toThrow("clip: must be a number > 0");
    expect(() => ips(tinyLog(), { ci: "exact" as never })).toThrow('ci: must be "normal" or "bootstrap", got "exact"');
    expect(() => ips(tinyLog([0.5, 0.6]))).toThrow("samples[0].target: must sum to 1, sums to 1.1");
  });
});
