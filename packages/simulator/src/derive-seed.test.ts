import { describe, expect, it } from "vitest";
import { deriveSeed } from "./derive-seed.js";

describe("deriveSeed", () => {
  it("is a pure function of its parts", () => {
    expect(deriveSeed(42, 2, 1000, 3)).toBe(deriveSeed(42, 2, 1000, 3));
  });

  it("separates neighbouring coordinates and the order of parts", () => {
    const seeds = new Set<number>();
    for (let step = 0; step < 100; step++)
      for (let provider = 0; provider < 10; provider++) seeds.add(deriveSeed(1, 2, step, provider));
    expect(seeds.size).toBe(1000);
    expect(deriveSeed(1, 2, 3)).not.toBe(deriveSeed(1, 3, 2));
  });

  it("keeps the high bits of seeds beyond 32 bits", () => {
    expect(deriveSeed(1)).not.toBe(deriveSeed(1 + 2 ** 32));
  });
});
