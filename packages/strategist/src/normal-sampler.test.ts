import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { NormalSampler } from "./normal-sampler.js";

describe("NormalSampler", () => {
  it("gives standard normal draws: mean 0, variance 1, about 95% within ±1.96", () => {
    const sampler = new NormalSampler(createRng(3));
    let sum = 0;
    let squares = 0;
    let inside = 0;
    const n = 50000;
    for (let i = 0; i < n; i++) {
      const x = sampler.next();
      sum += x;
      squares += x * x;
      if (Math.abs(x) < 1.96) inside++;
    }
    expect(sum / n).toBeCloseTo(0, 1);
    expect(squares / n).toBeCloseTo(1, 1);
    expect(inside / n).toBeCloseTo(0.95, 2);
  });

  it("uses both values of each polar pair: two draws take one accepted pair of uniforms", () => {
    const uniforms = [0.75, 0.5, 0.1, 0.2];
    let used = 0;
    const sampler = new NormalSampler(() => {
      used++;
      return uniforms.shift() ?? 0.5;
    });
    // u = 0.5, v = 0: s = 0.25, factor = √(−2·ln 0.25 / 0.25).
    const factor = Math.sqrt((-2 * Math.log(0.25)) / 0.25);
    expect(sampler.next()).toBeCloseTo(0.5 * factor, 15);
    expect(sampler.next()).toBe(0);
    expect(used).toBe(2);
  });
});
