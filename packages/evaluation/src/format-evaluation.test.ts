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

  it("warns when some logged propensities are only lower bounds", () => {
    const text = formatEvaluation(
      { ...evaluation, inexact_propensities: 7 },
      { source: "d.jsonl", ci: "normal", clip: undefined, folds: 1, bootstrapSamples: 500 },
    );
    expect(text).toContain("7 decision(s) logged a propensity that is only a lower bound");
  });
});
