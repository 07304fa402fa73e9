import { describe, expect, it } from "vitest";
import type { PolicyEvaluation } from "./evaluate-policy.js";
import { formatEvaluation } from "./format-evaluation.js";

const estimate = (value: number, ess: number) => ({
  estimate: value,
  stderr: 0.5,
  ci95: [value - 1, value + 1] as [number, number],
  n: 120,
  effective_sample_size: ess,
});

const evaluation: PolicyEvaluation = {
  target: "rule",
  logged: estimate(7.5, 120),
  estimates: { ips: estimate(8.25, 30.25), dr: estimate(8, 30.25) },
  lines: 121,
  unrewarded: 1,
  superseded: 0,
  clipped_weights: 2,
  logging_policies: ["q-learning"],
  inexact_propensities: 0,
};

describe("formatEvaluation", () => {
  it("lays out one aligned row per estimator after the logged policy's own value", () => {
    expect(formatEvaluation(evaluation, { source: "d.jsonl", ci: "normal", clip: 50, folds: 5, bootstrapSamples: 2000 })).toBe(
      [
        "Off-policy evaluation of rule on d.jsonl",
        "120 decisions with a reward (1 without, left out); logged by q-learning",
        "",
        "estimator           estimate  95% CI            n    ESS",
        "logged (on-policy)     7.500  [6.500, 8.500]  120  120.0",
        "ips                    8.250  [7.250, 9.250]  120   30.3",
        "dr                     8.000  [7.000, 9.000]  120   30.3",
        "",
        "95% CIs by normal approximation (estimate ± 1.96·stderr); weights clipped at 50 (2 cut); DR reward model: per-(state, provider) mean, 5-fold cross-fitted.",
        "",
      ].join("\n"),
    );
  });

  it("names the bootstrap and writes n/a for a bound that could not be computed", () => {
    const text = formatEvaluation(
      { ...evaluation, estimates: { ips: { ...estimate(1, 2), ci95: [Number.NaN, Number.NaN] } } },
      { source: "d.jsonl", ci: "bootstrap", clip: undefined, folds: 1, bootstrapSamples: 500 },
    );
    expect(text).toContain("[n/a, n/a]");
    expect(text).toContain("95% CIs by percentile bootstrap (500 resamples); weights not clipped.");
  });

  it("warns on a line of its own when the effective sample size is below 10", () => {
    const options = { source: "d.jsonl", ci: "normal", clip: undefined, folds: 5, bootstrapSamples: 500 } as const;
    const low = { ...evaluation, estimates: { ips: estimate(8.25, 9.96), dr: estimate(8, 9.96) } };
    const lines = formatEvaluation(low, options).split("\n");
    expect(lines.at(-2)).toBe(
      "Warning: the effective sample size is 10.0, below 10: the estimates rest on a few decisions the target policy would have made, and their 95% CIs are unreliable (log with more exploration, or evaluate a policy closer to the logged one).",
    );
    expect(formatEvaluation(evaluation, options)).not.toContain("Warning");
  });

  it("prints numbers from 1e15 up in exponent form, with as many digits", () => {
    const large = { ...evaluation, estimates: { ips: estimate(1.5e21, 30), dr: estimate(-999_999_999_999_999, 30) } };
    const text = formatEvaluation(large, { source: "d.jsonl", ci: "normal", clip: undefined, folds: 5, bootstrapSamples: 1 });
    const cells = (name: string) =>
      text
        .split("\n")
        .find((line) => line.startsWith(name))!
        .split(/\s+/);
    expect(cells("ips").slice(1, 4)).toEqual(["1.500e+21", "[1.500e+21,", "1.500e+21]"]);
    // Below 1e15 in magnitude, fixed-point as before; the lower bound, −1e15, is not.
    expect(cells("dr").slice(1, 4)).toEqual(["-999999999999999.000", "[-1.000e+15,", "-999999999999998.000]"]);
  });

  it("warns when some logged propensities are only lower bounds", () => {
    const text = formatEvaluation(
      { ...evaluation, inexact_propensities: 7 },
      { source: "d.jsonl", ci: "normal", clip: undefined, folds: 1, bootstrapSamples: 500 },
    );
    expect(text).toContain("7 decision(s) logged a propensity that is only a lower bound");
  });
});
