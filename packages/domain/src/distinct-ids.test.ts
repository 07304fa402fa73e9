import { describe, expect, it } from "vitest";
import { areDisjoint, hasDistinctProviderIds, PAIRWISE_MAX_IDS } from "./distinct-ids.js";

const providers = (ids: string[]) => ids.map((provider_id) => ({ provider_id }));
const distinct = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

describe("hasDistinctProviderIds", () => {
  // Both sides of the pairwise/Set threshold, with the repeat first, last and in between.
  for (const n of [2, PAIRWISE_MAX_IDS, PAIRWISE_MAX_IDS + 1, 40]) {
    describe(`with ${n} providers`, () => {
      it("accepts distinct ids", () => {
        expect(hasDistinctProviderIds(providers(distinct(n)))).toBe(true);
      });

      it("finds a repeat of the first id in the last place", () => {
        const ids = distinct(n);
        ids[n - 1] = "p0";
        expect(hasDistinctProviderIds(providers(ids))).toBe(false);
      });

      it("finds two neighbours that repeat", () => {
        const ids = distinct(n);
        ids[n - 1] = ids[n - 2] as string;
        expect(hasDistinctProviderIds(providers(ids))).toBe(false);
      });
    });
  }

  it("accepts an empty list and a single provider", () => {
    expect(hasDistinctProviderIds([])).toBe(true);
    expect(hasDistinctProviderIds(providers(["__proto__"]))).toBe(true);
  });

  it("compares ids exactly, case and all", () => {
    expect(hasDistinctProviderIds(providers(["a", "A", "a "]))).toBe(true);
    expect(hasDistinctProviderIds(providers(["constructor", "__proto__", "constructor"]))).toBe(false);
  });
});

describe("areDisjoint", () => {
  it("is true when either list is absent or empty", () => {
    expect(areDisjoint(undefined, ["a"])).toBe(true);
    expect(areDisjoint(["a"], undefined)).toBe(true);
    expect(areDisjoint([], ["a"])).toBe(true);
  });

  it("finds a shared id in short lists (pairwise) and in long ones (Set)", () => {
    expect(areDisjoint(["a", "b"], ["c", "b"])).toBe(false);
    expect(areDisjoint(["a", "b"], ["c", "d"])).toBe(true);
    const long = distinct(PAIRWISE_MAX_IDS * 2);
    expect(areDisjoint(long, [...distinct(PAIRWISE_MAX_IDS).map((id) => `${id}x`), long.at(-1) as string])).toBe(false);
    expect(
      areDisjoint(
        long,
        distinct(PAIRWISE_MAX_IDS * 2).map((id) => `${id}x`),
      ),
    ).toBe(true);
  });
});
