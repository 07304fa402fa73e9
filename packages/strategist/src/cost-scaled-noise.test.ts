import { createRng, normal } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { CostScaledNoise } from "./cost-scaled-noise.js";

describe("CostScaledNoise", () => {
  it("starts from the prior: 0.05 + 0.01·cost²", () => {
    const noise = new CostScaledNoise(1);
    expect(noise.variance(0)).toBeCloseTo(0.05, 12);
    expect(noise.variance(3)).toBeCloseTo(0.14, 12);
  });

  it("learns a variance that grows with the job's cost", () => {
    const noise = new CostScaledNoise(1);
    const rng = createRng(1);
    for (let i = 0; i < 20000; i++) {
      const cost = (i % 10) + 0.5;
      noise.observe(cost, Math.sqrt(0.02 + 0.04 * cost * cost) * normal(rng));
    }
    expect(noise.variance(0)).toBeCloseTo(0.02, 1);
    expect(noise.variance(8) / (0.02 + 0.04 * 64)).toBeCloseTo(1, 1);
  });

  it("round-trips through its snapshot", () => {
    const noise = new CostScaledNoise(0.99);
    for (let i = 0; i < 30; i++) noise.observe(i / 3, Math.sin(i));
    const copy = new CostScaledNoise(0.99);
    copy.restore(noise.toJSON(), "noise");
    expect(copy.variance(2)).toBe(noise.variance(2));
    expect(() => copy.restore([1, 2], "model.success_noise")).toThrow(/^model\.success_noise: /);
  });
});
