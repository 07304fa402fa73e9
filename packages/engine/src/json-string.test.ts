import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonString, jsonStringArray, numberText } from "./json-string.js";

describe("jsonString", () => {
  it("writes what JSON.stringify writes, for any string (property)", () => {
    const units = fc.oneof(
      fc.string({ unit: "grapheme" }),
      fc.string({ unit: "binary" }),
      fc.string({ unit: fc.constantFrom("a", '"', "\\", "\n", "\u0000", "\u001f", "\u007f", "\u2028", "\ud800", "\udc00", "é") }),
    );
    fc.assert(
      fc.property(units, (text) => {
        expect(jsonString(text)).toBe(JSON.stringify(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it("escapes quotes, backslashes, control characters and lone surrogates, and keeps pairs", () => {
    for (const text of ['say "hi"', "a\\b", "tab\there", "\u0000", "\ud83e", "\udd84x", "🦄", "", "llm_inference:a100:us-west"]) {
      expect(jsonString(text)).toBe(JSON.stringify(text));
    }
  });
});

describe("jsonStringArray", () => {
  it("writes what JSON.stringify writes, for any array of strings (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary" }), { maxLength: 5 }), (values) => {
        expect(jsonStringArray(values)).toBe(JSON.stringify(values));
      }),
    );
  });
});

describe("numberText", () => {
  it("gives the same text as a template literal for every finite number, whole numbers past 2³¹ included", () => {
    const wholeAbove = fc.integer({ min: 2 ** 31 - 2, max: Number.MAX_SAFE_INTEGER });
    const edges = fc.constantFrom(
      2 ** 31 - 1,
      2 ** 31,
      1e8,
      1e8 - 1,
      1e16,
      1795738257550,
      Number.MAX_SAFE_INTEGER,
      2 ** 53,
      2 ** 53 + 2,
      1e21,
      -0,
    );
    fc.assert(
      fc.property(fc.oneof(wholeAbove, edges, fc.double({ noNaN: true, noDefaultInfinity: true })), (n) => {
        expect(numberText(n)).toBe(`${n}`);
      }),
      { numRuns: 20_000 },
    );
  });

  it("pads the low eight digits of a whole number with zeros", () => {
    expect(numberText(1_000_000_000_005)).toBe("1000000000005");
    expect(numberText(2_200_000_000)).toBe("2200000000");
  });
});
