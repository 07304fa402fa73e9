import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonString, jsonStringArray } from "./json-string.js";

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
