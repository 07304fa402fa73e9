import { describe, expect, it } from "vitest";
import { createUuidV4Source } from "./uuid-v4.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("createUuidV4Source", () => {
  it("makes version 4, variant 10 UUIDs in lower-case hex, across several refills of its pool", () => {
    const next = createUuidV4Source();
    for (let i = 0; i < 1_000; i++) expect(next()).toMatch(UUID_V4);
  });

  it("never repeats an id, within one source or across two", () => {
    const a = createUuidV4Source();
    const b = createUuidV4Source();
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      seen.add(a());
      seen.add(b());
    }
    expect(seen.size).toBe(40_000);
  });

  it("spreads its random bits: every hex digit appears in every random position", () => {
    const next = createUuidV4Source();
    const digitsAt = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i++) {
      const id = next();
      for (let c = 0; c < 36; c++) digitsAt[c]?.add(id[c] as string);
    }
    // Fixed positions: the four dashes, the version digit (14) and the variant digit (19).
    const fixed = new Map([
      [8, 1],
      [13, 1],
      [18, 1],
      [23, 1],
      [14, 1],
      [19, 4],
    ]);
    for (let c = 0; c < 36; c++) expect(digitsAt[c]?.size).toBe(fixed.get(c) ?? 16);
  });
});
