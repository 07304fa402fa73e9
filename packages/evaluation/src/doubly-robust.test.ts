import { describe, expect, it } from "vitest";
import { tinyLog } from "../test/samples.js";
import { doublyRobust } from "./doubly-robust.js";
import { ips } from "./ips.js";
import type { LoggedSample } from "./logged-sample.js";

/** The target always picks "b"; only the second of three logged decisions chose it. */
const oneSupported: LoggedSample[] = [
  { stateKey: "s", actions: ["a", "b"], chosen: 0, reward: 10, propensity: 0.5, target: [0, 1] },
  { stateKey: "s", actions: ["a", "b"], chosen: 1, reward: 4, propensity: 0.5, target: [0, 1] },
  { stateKey: "s", actions: ["a", "b"], chosen: 0, reward: 6, propensity: 0.5, target: [0, 1] },
];

describe("doublyRobust", () => {
  it("corrects the model's value by the weighted residual (one fold: q̂(a) = 8, q̂(b) = 3)", () => {
    // terms: 8 + 1.25·(10 − 8), 8 + 0, 8 + 1.25·(6 − 8), 8 + 0 = 10.5, 8, 5.5, 8
    const result = doublyRobust(tinyLog(), { folds: 1 });
    expect(result.estimate).toBe(8);
    expect(result.stderr).toBeCloseTo(Math.sqrt(12.5 / 3 / 4), 12);
    expect(result.n).toBe(4);
    expect(result.effective_sample_size).toBe(2);
  });

  it("cross-fits: each fold is scored by a model fitted on the others", () => {
    // folds {0, 2} (both "a") and {1, 3} (both "b"). Fold 0's model saw only "b": q̂(a) falls back to
    // the overall mean 3, terms 3 + 1.25·7 = 11.75 and 3 + 1.25·3 = 6.75. Fold 1's model saw only
    // "a": q̂(a) = 8, terms 8 and 8. Mean (11.75 + 8 + 6.75 + 8) / 4.
    expect(doublyRobust(tinyLog(), { folds: 2 }).estimate).toBe(8.625);
  });

  it("uses the model for every action the target may take", () => {
    // target (0.5, 0.5), one fold: direct value 0.5·8 + 0.5·3 = 5.5 everywhere; weights 0.625, 2.5.
    // terms 5.5 + 0.625·2, 5.5 + 2.5·1, 5.5 + 0.625·(−2), 5.5 + 2.5·(−1) = 6.75, 8, 4.25, 3
    expect(doublyRobust(tinyLog([0.5, 0.5]), { folds: 1 }).estimate).toBe(5.5);
  });

  it("gives no interval, rather than a narrow one, when a single decision has weight", () => {
    for (const ci of ["normal", "bootstrap"] as const) {
      const result = doublyRobust(oneSupported, { ci, seed: 1, folds: 1 });
      // One fold: q̂(a) = 8, q̂(b) = 4; every term is q̂(b) = 4, the one weighted residual is 0.
      expect(result.estimate).toBe(4);
      expect(result.stderr).toBeNaN();
      expect(result.ci95.every(Number.isNaN)).toBe(true);
    }
  });

  it("takes a reward model of the caller's", () => {
    const zero = () => ({ predict: () => 0 });
    // With q̂ ≡ 0, DR is IPS.
    expect(doublyRobust(tinyLog(), { rewardModel: zero }).estimate).toBe(ips(tinyLog()).estimate);
  });

  it("has a smaller standard error than IPS when the model is good", () => {
    expect(doublyRobust(tinyLog(), { folds: 1 }).stderr).toBeLessThan(ips(tinyLog()).stderr);
  });

  it("refuses a bad fold count", () => {
    expect(() => doublyRobust(tinyLog(), { folds: 0 })).toThrow("folds: must be a whole number ≥ 1");
  });
});
