import { JSON_PIECES } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ArmEstimate, ArmStatisticsCopy } from "./arm-statistics.js";
import { ArmStatistics } from "./arm-statistics.js";

const piecesOf = (copy: ArmStatisticsCopy) => [...copy[JSON_PIECES]()];

const options = { discount: 1, priorFailureRate: 0.05, priorStrength: 5 };

function estimate(stats: ArmStatistics, state: string, providerId: string): ArmEstimate {
  const out: ArmEstimate = { failureA: 0, failureB: 0, residual: 0, residualVariance: 0, count: 0, noise: 0 };
  stats.estimate(stats.stateArms(state), providerId, out);
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

  describe("snapshot", () => {
    const observation = fc.record({
      state: fc.oneof(fc.constantFrom("__proto__", "constructor", "a:b:c", ""), fc.string({ maxLength: 4 })),
      provider: fc.oneof(fc.constantFrom("__proto__", "7", "akash", "10"), fc.string({ maxLength: 4 })),
      failed: fc.boolean(),
      residual: fc.double({ min: -50, max: 50, noNaN: true }),
    });

    it("holds what toJSON holds, and its pieces are that JSON, for any observations", () => {
      fc.assert(
        fc.property(fc.array(observation, { maxLength: 300 }), fc.constantFrom(1, 0.99), (observations, discount) => {
          const stats = new ArmStatistics({ ...options, discount });
          for (const o of observations) stats.observe(o.state, o.provider, o.failed, o.residual);
          const copy = stats.snapshot();
          expect(copy.stateCount).toBe(stats.stateCount);
          expect(copy.toJSON()).toEqual(stats.toJSON());
          expect(JSON.parse(piecesOf(copy).join(""))).toEqual(JSON.parse(JSON.stringify(stats.toJSON())));
        }),
        { numRuns: 300 },
      );
    });

    it("is a copy as of when it was taken: later outcomes, arms and states do not show in it", () => {
      const stats = new ArmStatistics({ ...options, discount: 0.99 });
      stats.observe("s1", "a", false, 0.25);
      stats.observe("s2", "b", true, 0);
      const before = JSON.parse(JSON.stringify(stats.toJSON()));
      const copy = stats.snapshot();
      stats.observe("s1", "a", true, 0); // an arm that existed
      stats.observe("s1", "c", false, 1); // a new arm in an old state
      stats.observe("s3", "a", false, 2); // a new state
      expect(JSON.parse(piecesOf(copy).join(""))).toEqual(before);
      expect(JSON.parse(JSON.stringify(copy))).toEqual(before);
    });

    it("writes many states in several pieces, restored to the same estimates", () => {
      const stats = new ArmStatistics({ ...options, discount: 0.999 });
      for (let i = 0; i < 15_000; i++) stats.observe(`w:g:r${i % 5_000}`, `p${i % 7}`, i % 11 === 0, (i % 13) / 10);
      const pieces = piecesOf(stats.snapshot());
      expect(pieces.length).toBeGreaterThan(2);
      const copy = new ArmStatistics({ ...options, discount: 0.999 });
      copy.restore(JSON.parse(pieces.join("")), "arms");
      expect(copy.toJSON()).toEqual(stats.toJSON());
      expect(estimate(copy, "w:g:r4999", "p3")).toEqual(estimate(stats, "w:g:r4999", "p3"));
    });
  });
});
