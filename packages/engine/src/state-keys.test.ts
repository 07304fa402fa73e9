import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StateKeys } from "./state-keys.js";

describe("StateKeys", () => {
  it("hands back a string equal to the key it was given, for any keys in any order, past its capacity too", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 3000 }), (keys) => {
        const interned = new StateKeys();
        for (const key of keys) expect(interned.intern(`${key}`)).toBe(key);
      }),
      { numRuns: 50 },
    );
  });
});
