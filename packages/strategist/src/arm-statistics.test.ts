import { describe, expect, it } from "vitest";
import type { ArmEstimate } from "./arm-statistics.js";
import { ArmStatistics } from "./arm-statistics.js";

const options = { discount: 1, priorFailureRate: 0.05, priorStrength: 5 };

function estimate(stats: ArmStatistics, state: string, providerId: string): ArmEstimate {
  const out: ArmEstimate = { failureA: 0, failureB: 0, residual: 0, residualVariance: 0, count: 0, noise: 0 };
  stats.estimate(state, providerId, out);
  return out;
}

describe("ArmStatistics", () => {
  it("starts from the prior failure rate, worth m observations", () => {
    const e = estimate(new ArmStatistics(options), "s", "akash");
    expect(e.failureA).toBeCloseTo(0.25, 12);
    expect(e.failureB).toBeCloseTo(4.75, 12);
    expect(e).toMatchObject({ residual: 0, count: 5 });
  });

  it("gives a provider new to a state what it did in the other states", () => {
    const stats = new ArmStatistics(options);
    for (let i = 0; i < 20; i++) stats.observe("us-west", "ionet", i % 2 === 0, i % 2 === 0 ? 0 : 0.5);
    const e = estimate(stats, "eu-central", "ionet");
    // Everyone: 10 failures in 20 → (10 + 5·0.05)/(20 + 5) = 0.41; ionet elsewhere: (10 + 5·0.41)/(20 + 5) = 0.482.
    const all = (10 + 5 * 0.05) / 25;
    const provider = (10 + 5 * all) / 25;
    expect(e.failureA / (e.failureA + e.failureB)).toBeCloseTo(provider, 12);
    expect(estimate(stats, "eu-central", "akash").failureA / 5).toBeCloseTo(all, 12);
  });

  it("discounts old outcomes by γ per learned reward", () => {
    const stats = new ArmStatistics({ ...options, discount: 0.5 });
    stats.observe("s", "a", true, 0);
    stats.observe("s", "b", false, 0);
    const e = estimate(stats, "s", "a");
    // a's failure is one tick old: it weighs 0.5.
    expect(e.count).toBeCloseTo(5.5, 12);
  });

  it("round-trips through its snapshot with the same estimates", () => {
    const stats = new ArmStatistics({ ...options, discount: 0.99 });
    for (let i = 0; i < 50; i++) stats.observe(i % 2 ? "s1" : "__proto__", ["a", "constructor"][i % 2]!, i % 7 === 0, i / 100);
    const copy = new ArmStatistics({ ...options, discount: 0.99 });
    copy.restore(JSON.parse(JSON.stringify(stats.toJSON())), "arms");
    expect(copy.toJSON()).toEqual(stats.toJSON());
    expect(estimate(copy, "s1", "constructor")).toEqual(estimate(stats, "s1", "constructor"));
    expect(estimate(copy, "new", "a")).toEqual(estimate(stats, "new", "a"));
  });
});
