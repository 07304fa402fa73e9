import { describe, expect, it } from "vitest";
import { tinyLog } from "../test/samples.js";
import { NoOverlapError } from "./errors.js";
import { importanceWeights } from "./importance-weights.js";

describe("importanceWeights", () => {
  it("divides the target's probability of the logged choice by its propensity", () => {
    const { weights, sum, sumOfSquares, clipped, effectiveSampleSize } = importanceWeights(
      tinyLog([0.5, 0.5]),
      Number.POSITIVE_INFINITY,
    );
    expect([...weights]).toEqual([0.625, 2.5, 0.625, 2.5]);
    expect(sum).toBe(6.25);
    expect(sumOfSquares).toBe(13.28125);
    expect(clipped).toBe(0);
    expect(effectiveSampleSize).toBeCloseTo(39.0625 / 13.28125, 12);
  });

  it("multiplies by a sample's inverse propensity where it has one, instead of dividing by its propensity", () => {
    const samples = tinyLog([0.5, 0.5]).map((s, i) => (i === 1 ? { ...s, propensity: 0.2, inversePropensity: 7 } : s));
    const { weights } = importanceWeights(samples, Number.POSITIVE_INFINITY);
    // Sample 1: π = 0.5 against 1/μ estimated as 7 (not 1/0.2 = 5).
    expect([...weights]).toEqual([0.625, 3.5, 0.625, 2.5]);
  });

  it("counts the weights above 0 and keeps the largest", () => {
    const { supported, max } = importanceWeights(tinyLog(), Number.POSITIVE_INFINITY);
    expect(supported).toBe(2);
    expect(max).toBe(1.25);
  });

  it("keeps the effective sample size finite where Σw² overflows", () => {
    // Weights 1e300 (propensities of 1e-300, below the log format's floor, given directly): w² = Infinity.
    const samples = tinyLog().map((s) => ({ ...s, propensity: s.chosen === 0 ? 1e-300 : s.propensity }));
    const { sumOfSquares, effectiveSampleSize } = importanceWeights(samples, Number.POSITIVE_INFINITY);
    expect(sumOfSquares).toBe(Number.POSITIVE_INFINITY);
    expect(effectiveSampleSize).toBe(2);
  });

  it("cuts weights above clip and counts them", () => {
    const { weights, clipped } = importanceWeights(tinyLog([0.5, 0.5]), 2);
    expect([...weights]).toEqual([0.625, 2, 0.625, 2]);
    expect(clipped).toBe(2);
  });

  it("throws NoOverlapError when every weight is 0", () => {
    const onlyA = tinyLog([0, 1]).filter((s) => s.chosen === 0);
    expect(() => importanceWeights(onlyA, Number.POSITIVE_INFINITY)).toThrow(NoOverlapError);
    expect(() => importanceWeights(onlyA, Number.POSITIVE_INFINITY)).toThrow(/^the target policy never picks/);
  });
});
