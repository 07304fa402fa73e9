import { describe, expect, it } from "vitest";
import { formatNumber, formatOptional, formatPercent } from "./format-number.js";

describe("formatNumber", () => {
  it("groups thousands with commas and rounds to the digits asked", () => {
    expect(formatNumber(18963.7)).toBe("18,964");
    expect(formatNumber(1234567.891, 2)).toBe("1,234,567.89");
    expect(formatNumber(999.5)).toBe("1,000");
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(12.5, 1)).toBe("12.5");
  });

  it("keeps the sign of negative numbers, but not of a negative that rounds to zero", () => {
    expect(formatNumber(-1234.4)).toBe("-1,234");
    expect(formatNumber(-0.004, 2)).toBe("0.00");
  });

  it("prints non-finite numbers as JavaScript does", () => {
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe("Infinity");
    expect(formatNumber(Number.NaN)).toBe("NaN");
  });
});

describe("formatPercent", () => {
  it("shows a share as a percentage with one decimal", () => {
    expect(formatPercent(0.1234)).toBe("12.3%");
    expect(formatPercent(1)).toBe("100.0%");
    expect(formatPercent(0)).toBe("0.0%");
  });
});

describe("formatOptional", () => {
  it("shows null as an en dash and formats anything else", () => {
    expect(formatOptional(null, String)).toBe("–");
    expect(formatOptional(3, (v) => `$${v}`)).toBe("$3");
  });
});
