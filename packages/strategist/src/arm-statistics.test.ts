import { JSON_PIECES, ValidationError } from "@aurora/domain";
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

  describe("restore", () => {
    const good = () => {
      const stats = new ArmStatistics({ ...options, discount: 0.99 });
      stats.observe("s1", "a", false, 0.5);
      stats.observe("s1", "b", true, 0);
      stats.observe("s2", "a", false, 1);
      return JSON.parse(JSON.stringify(stats.toJSON()));
    };
    const fieldOf = (snapshot: unknown): string | undefined => {
      try {
        new ArmStatistics(options).restore(snapshot, "arms");
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).field;
      }
      return undefined;
    };

    it("names the part of a snapshot it refuses", () => {
      expect(fieldOf(good())).toBeUndefined();
      expect(fieldOf({ ...good(), tick: -1 })).toBe("arms.tick");
      expect(fieldOf({ ...good(), arms: [] })).toBe("arms.arms");
      const fractionalTick = good();
      fractionalTick.arms.s1.a[0] = 1.5;
      expect(fieldOf(fractionalTick)).toBe('arms.arms["s1"]["a"]');
      const future = good();
      future.arms.s2.a[0] = 4;
      expect(fieldOf(future)).toBe('arms.arms["s2"]["a"]');
      const negative = good();
      negative.providers.b[2] = -1;
      expect(fieldOf(negative)).toBe('arms.providers["b"]');
      expect(fieldOf({ ...good(), everyone: [0, 1] })).toBe("arms.everyone");
    });

    it("names counts no learning makes: parts beyond the whole, squares below the sum's", () => {
      const moreFailures = good();
      moreFailures.arms.s1.b[2] = 1e6; // failures > n
      expect(fieldOf(moreFailures)).toBe('arms.arms["s1"]["b"]');
      const negativeSquares = good();
      negativeSquares.providers.a[5] = -1e6;
      expect(fieldOf(negativeSquares)).toBe('arms.providers["a"]');
      const spread = good();
      spread.everyone[4] = 100; // Σr = 100 from two successes whose Σr² is 1.25
      expect(fieldOf(spread)).toBe("arms.everyone");
      // A long, discounted history restores: its rounding is within the check's slack.
      const long = new ArmStatistics({ ...options, discount: 0.999 });
      for (let i = 0; i < 5_000; i++) long.observe(`s${i % 7}`, `p${i % 5}`, i % 13 === 0, Math.sin(i) * 3);
      expect(fieldOf(JSON.parse(JSON.stringify(long.toJSON())))).toBeUndefined();
    });

    it("keeps nothing of a snapshot it refuses", () => {
      const stats = new ArmStatistics(options);
      const bad = good();
      bad.providers.b = "x";
      expect(() => stats.restore(bad, "arms")).toThrow(ValidationError);
      expect(stats.stateCount).toBe(0);
      expect(stats.toJSON()).toEqual(new ArmStatistics(options).toJSON());
    });
  });

  describe("storage (a chain of arm records per state)", () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant("observe" as const),
        state: fc.integer({ min: 0, max: 30 }),
        provider: fc.integer({ min: 0, max: 39 }),
        failed: fc.boolean(),
        residual: fc.integer({ min: -40, max: 40 }).map((r) => r / 8),
      }),
      fc.record({ kind: fc.constant("hold" as const), state: fc.integer({ min: 0, max: 30 }) }),
    );

    it("keeps each arm's counts, states and arms in the order first learned, among up to 40 providers", () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 400, size: "max" }), (steps) => {
          const stats = new ArmStatistics(options);
          const expected: Record<string, Record<string, number[]>> = {};
          const order: string[] = [];
          let tick = 0;
          for (const s of steps) {
            if (s.kind !== "observe") continue;
            const state = `w:g:r${s.state}`;
            const provider = `p${s.provider}`;
            stats.observe(state, provider, s.failed, s.residual);
            tick++;
            if (expected[state] === undefined) {
              expected[state] = {};
              order.push(state);
            }
            const arms = expected[state];
            if (arms[provider] === undefined) arms[provider] = [0, 0, 0, 0, 0, 0];
            const slots = arms[provider];
            slots[0] = tick;
            slots[1]! += 1;
            if (s.failed) slots[2]! += 1;
            else {
              slots[3]! += 1;
              slots[4]! += s.residual;
              slots[5]! += s.residual * s.residual;
            }
          }
          const { arms } = stats.toJSON();
          expect(arms).toEqual(expected);
          expect(Object.keys(arms)).toEqual(order);
          expect(stats.stateCount).toBe(order.length);
        }),
        { numRuns: 200 },
      );
    });

    it("reads the same estimates through a state found before later lookups and new arms as through one found now", () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 200, size: "max" }), (steps) => {
          const stats = new ArmStatistics({ ...options, discount: 0.99 });
          const held: [string, ReturnType<ArmStatistics["stateArms"]>][] = [];
          for (const s of steps) {
            const state = `w:g:r${s.state}`;
            if (s.kind === "observe") stats.observe(state, `p${s.provider}`, s.failed, s.residual);
            else held.push([state, stats.stateArms(state)]);
          }
          const out: ArmEstimate = { failureA: 0, failureB: 0, residual: 0, residualVariance: 0, count: 0, noise: 0 };
          for (const [state, handle] of held) {
            if (handle === undefined) continue;
            for (let p = 0; p < 40; p++) {
              stats.estimate(handle, `p${p}`, out);
              expect(out).toEqual(estimate(stats, state, `p${p}`));
            }
          }
        }),
        { numRuns: 60 },
      );
    });

    it("finds each of 40 providers' arms in a state, each learned a different number of times", () => {
      const stats = new ArmStatistics(options);
      for (let p = 0; p < 40; p++) for (let k = 0; k <= p; k++) stats.observe(`s${p % 3}`, `p${p}`, false, 0);
      for (let p = 0; p < 40; p++) {
        // Its own p + 1 outcomes in its state, plus the prior's m = 5; in another state only the prior.
        expect(estimate(stats, `s${p % 3}`, `p${p}`).count).toBe(p + 1 + 5);
        expect(estimate(stats, `s${(p + 1) % 3}`, `p${p}`).count).toBe(5);
      }
    });

    it("tells a state's learned arm from a provider it has not tried there", () => {
      const stats = new ArmStatistics(options);
      for (let i = 0; i < 10; i++) stats.observe("s1", "a", true, 0);
      stats.observe("s2", "b", false, 1);
      // In s1, a has 10 failures of its own; in s2 it has none, and only its record elsewhere as a prior.
      expect(estimate(stats, "s1", "a")).toMatchObject({ count: 15 });
      expect(estimate(stats, "s2", "a")).toMatchObject({ count: 5 });
      expect(estimate(stats, "s1", "b")).toMatchObject({ count: 5 });
    });
  });
});
