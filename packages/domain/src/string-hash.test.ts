import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededStringHash, stringFingerprint } from "./string-hash.js";

describe("stringFingerprint", () => {
  it("has seededStringHash as its first half (property)", () => {
    const out = new Int32Array(2);
    fc.assert(
      fc.property(fc.integer(), fc.integer(), fc.string({ unit: "binary", maxLength: 40 }), (seedA, seedB, text) => {
        stringFingerprint(seedA, seedB, text, out);
        expect(out[0]).toBe(seededStringHash(seedA, text));
      }),
    );
  });

  it("gives the values snapshots already hold (they store fingerprints, so it must never change)", () => {
    const out = new Int32Array(2);
    const cases: [number, number, string, number, number][] = [
      [0, 0, "", 0, 0],
      [1, 2, "llm_inference:a100:us-west", -326201333, -1297410923],
      [-7, 123456789, "🦄é\u0000", 907597780, 301820179],
    ];
    for (const [seedA, seedB, text, a, b] of cases) {
      stringFingerprint(seedA, seedB, text, out);
      expect([out[0], out[1]]).toEqual([a, b]);
    }
  });

  it("tells apart keys that differ in one unit, in both halves", () => {
    const first = new Int32Array(2);
    const second = new Int32Array(2);
    stringFingerprint(5, 9, "llm_inference:a100:r1", first);
    stringFingerprint(5, 9, "llm_inference:a100:r2", second);
    expect(first[0]).not.toBe(second[0]);
    expect(first[1]).not.toBe(second[1]);
  });
});
