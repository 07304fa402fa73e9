import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { betaSample, gammaSample } from "./gamma-sampler.js";
import { NormalSampler } from "./normal-sampler.js";

function moments(draw: () => number, n: number): [number, number] {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / n;
  return [mean, squares / n - mean * mean];
}

describe("gammaSample", () => {
  it.each([0.3, 1, 2.5, 40])("has mean and variance k for Gamma(%s, 1)", (shape) => {
    const rng = createRng(7);
    const normal = new NormalSampler(rng);
    const [mean, variance] = moments(() => gammaSample(shape, rng, normal), 40000);
    expect(mean / shape).toBeCloseTo(1, 1);
    expect(variance / shape).toBeCloseTo(1, 1);
  });

  it("is reproducible from a seeded rng", () => {
    const draws = (seed: number) => {
      const rng = createRng(seed);
      const normal = new NormalSampler(rng);
      return Array.from({ length: 3 }, () => gammaSample(2, rng, normal));
    };
    expect(draws(42)).toEqual(draws(42));
    expect(draws(42)).not.toEqual(draws(43));
  });
});

describe("betaSample", () => {
  it.each([
    [0.5, 9.5],
    [3, 60],
    [2, 2],
  ])("has mean a/(a + b) and variance ab/((a + b)²(a + b + 1)) for Beta(%s, %s)", (a, b) => {
    const rng = createRng(11);
    const normal = new NormalSampler(rng);
    const [mean, variance] = moments(() => betaSample(a, b, rng, normal), 40000);
    const s = a + b;
    expect(mean / (a / s)).toBeCloseTo(1, 1);
    expect(variance / ((a * b) / (s * s * (s + 1)))).toBeCloseTo(1, 1);
  });
});
