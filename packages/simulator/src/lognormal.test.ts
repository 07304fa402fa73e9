import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { lognormal } from "./lognormal.js";

describe("lognormal", () => {
  it("has the requested mean and standard deviation", () => {
    const rng = createRng(11);
    const draws = Array.from({ length: 50_000 }, () => lognormal(rng, 180, 80));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
    expect(mean).toBeGreaterThan(178);
    expect(mean).toBeLessThan(182);
    expect(sd).toBeGreaterThan(76);
    expect(sd).toBeLessThan(84);
    expect(Math.min(...draws)).toBeGreaterThan(0);
  });

  it("stays finite when the spread dwarfs the mean (sd²/mean² overflows)", () => {
    const rng = createRng(3);
    for (const [mean, sd] of [
      [1e-300, 1],
      [1, 1e300],
      [1e9, Number.MAX_VALUE],
    ] as const) {
      for (let i = 0; i < 1000; i++) {
        const draw = lognormal(rng, mean, sd);
        expect(Number.isFinite(draw)).toBe(true);
        expect(draw).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it("returns the mean itself when there is no spread, still consuming the same draws", () => {
    const a = createRng(5);
    const b = createRng(5);
    expect(lognormal(a, 100, 0)).toBe(100);
    lognormal(b, 100, 20);
    expect(a()).toBe(b());
  });
});
