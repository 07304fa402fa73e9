import { seededStringHash } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StateIndex } from "./state-index.js";

describe("StateIndex", () => {
  it("numbers keys 0, 1, 2… in the order they are first added, and finds them again", () => {
    const index = new StateIndex();
    expect(index.ensure("llm:a100:us-west")).toBe(0);
    expect(index.ensure("llm:h100:eu")).toBe(1);
    expect(index.ensure("llm:a100:us-west")).toBe(0);
    expect(index.size).toBe(2);
    expect(index.find("llm:h100:eu")).toBe(1);
    expect(index.find("llm:h100:us")).toBe(-1);
    expect(index.key(1)).toBe("llm:h100:eu");
    expect(index.keys()).toEqual(["llm:a100:us-west", "llm:h100:eu"]);
  });

  it("keeps the string `keep` gives for a new key, and only for a new key", () => {
    const index = new StateIndex();
    const kept: string[] = [];
    const keep = (key: string) => {
      kept.push(key);
      return `${key}`;
    };
    index.ensure("a", keep);
    index.ensure("a", keep);
    index.ensure("b", keep);
    expect(kept).toEqual(["a", "b"]);
  });

  it("treats keys that are special elsewhere as ordinary keys", () => {
    const index = new StateIndex();
    for (const key of ["__proto__", "constructor", "", "toString", "🦄:é:\u0000"]) index.ensure(key);
    expect(index.find("__proto__")).toBe(0);
    expect(index.find("")).toBe(2);
    expect(index.find("🦄:é:\u0000")).toBe(4);
    expect(index.find("hasOwnProperty")).toBe(-1);
  });

  it("tells apart keys whose 32-bit hashes are equal", () => {
    // With one seed, find keys of equal hash among many (some exist among ~300,000: the birthday bound).
    const seed = 12345;
    const seen = new Map<number, string>();
    const pairs: [string, string][] = [];
    for (let i = 0; pairs.length < 3; i++) {
      const key = `llm_inference:a100:r${i}`;
      const hash = seededStringHash(seed, key);
      const other = seen.get(hash);
      if (other === undefined) seen.set(hash, key);
      else pairs.push([other, key]);
    }
    const index = new StateIndex(seed);
    for (const [a, b] of pairs) {
      expect(seededStringHash(seed, a)).toBe(seededStringHash(seed, b));
      const rowA = index.ensure(a);
      expect(index.find(b)).toBe(-1);
      const rowB = index.ensure(b);
      expect(rowB).not.toBe(rowA);
      expect(index.find(a)).toBe(rowA);
      expect(index.find(b)).toBe(rowB);
    }
  });

  it("behaves as a Map from key to insertion number, through any number of growths (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 6 })), { maxLength: 400 }),
        fc.integer(),
        (operations, seed) => {
          const index = new StateIndex(seed);
          const model = new Map<string, number>();
          for (const [add, key] of operations) {
            if (add) {
              if (!model.has(key)) model.set(key, model.size);
              expect(index.ensure(key)).toBe(model.get(key));
            } else {
              expect(index.find(key)).toBe(model.get(key) ?? -1);
            }
          }
          expect(index.size).toBe(model.size);
          expect(index.keys()).toEqual([...model.keys()]);
        },
      ),
    );
  });

  it("finds every one of 100,000 keys after growing from 16 slots, and none it was not given", () => {
    const index = new StateIndex();
    for (let s = 0; s < 100_000; s++) expect(index.ensure(`llm_inference:a100:r${s}`)).toBe(s);
    for (let s = 0; s < 100_000; s++) {
      if (index.find(`llm_inference:a100:r${s}`) !== s) throw new Error(`state ${s} lost`);
      if (index.find(`llm_inference:h100:r${s}`) !== -1) throw new Error(`state ${s} found for another key`);
    }
  });
});
