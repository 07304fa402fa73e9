import { describe, expect, it } from "vitest";
import { logBeta, logGamma } from "./log-gamma.js";

describe("logGamma", () => {
  it("matches ln Γ at known points", () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 11);
    expect(logGamma(171)).toBeCloseTo(706.5730622457874, 8);
  });
});

describe("logBeta", () => {
  it("is ln(Γ(a)Γ(b)/Γ(a + b)): B(2, 3) = 1/12", () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 12);
    expect(logBeta(1, 1)).toBeCloseTo(0, 12);
  });
});
