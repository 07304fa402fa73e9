import { describe, expect, it } from "vitest";
import { exclusionRuleOf, IdList } from "./exclusion-rule.js";

describe("IdList", () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

  it.each([
    [3, 100],
    [30, 1],
    [30, 100],
  ])("finds exact ids in a list of %i with %i lookups expected", (n, lookups) => {
    const list = new IdList([...ids(n), "__proto__", "constructor"], lookups);
    expect(list.has("p2")).toBe(true);
    expect(list.has("__proto__")).toBe(true);
    expect(list.has("constructor")).toBe(true);
    expect(list.has("P2")).toBe(false);
    expect(list.has("toString")).toBe(false);
  });
});

describe("exclusionRuleOf", () => {
  it("allows everything without constraints or lists", () => {
    expect(exclusionRuleOf("a", undefined)).toBeNull();
    expect(exclusionRuleOf("a", { max_price: 1 })).toBeNull();
  });

  it("excludes a denied provider as denied", () => {
    expect(exclusionRuleOf("a", { deny: ["a"] })).toBe("denied");
  });

  it("excludes a provider missing from allow as not_allowed", () => {
    expect(exclusionRuleOf("b", { allow: ["a"] })).toBe("not_allowed");
    expect(exclusionRuleOf("a", { allow: ["a"] })).toBeNull();
  });

  it("allows nothing with an empty allow list", () => {
    expect(exclusionRuleOf("a", { allow: [] })).toBe("not_allowed");
  });

  it("reports denied when a provider is both outside allow and inside deny", () => {
    expect(exclusionRuleOf("c", { allow: ["a"], deny: ["c"] })).toBe("denied");
  });

  it("compares ids exactly (case matters)", () => {
    expect(exclusionRuleOf("Akash", { deny: ["akash"] })).toBeNull();
  });
});
