import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { int32LittleEndian, seededStringHash, stringFingerprint } from "./string-hash.js";

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

describe("int32LittleEndian", () => {
  it("gives values[from, to) as little-endian bytes (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 20 }),
        fc.nat(),
        fc.nat(),
        (list, x, y) => {
          const values = Int32Array.from(list);
          const from = list.length === 0 ? 0 : x % (list.length + 1);
          const to = from + (list.length === 0 ? 0 : y % (list.length - from + 1));
          const bytes = int32LittleEndian(values, from, to);
          const expected = Buffer.alloc(4 * (to - from));
          for (let i = from; i < to; i++) expected.writeInt32LE(values[i] as number, 4 * (i - from));
          expect(Buffer.compare(bytes, expected)).toBe(0);
        },
      ),
    );
  });
});
