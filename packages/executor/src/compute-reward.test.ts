import { type Outcome, ValidationError } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { thrown } from "../test/thrown.js";
import { computeReward } from "./compute-reward.js";
import { DEFAULT_REWARD_WEIGHTS, type RewardWeights } from "./reward-weights.js";

const outcome = (extra: Partial<Outcome> = {}): Outcome => ({
  decision_id: "d-1",
  success: true,
  actual_cost_usd: 2.45,
  actual_latency_ms: 115,
  ...extra,
});

/** Realistic magnitudes, where one cent or one millisecond still shows in a double. */
const cost = fc.double({ min: 0, max: 1e6, noNaN: true });
const latency = fc.double({ min: 0, max: 1e7, noNaN: true });
const reputation = fc.double({ min: 0, max: 100, noNaN: true });

/** Any outcome the domain schema accepts. */
const validOutcome = fc.record(
  {
    decision_id: fc.constant("d"),
    success: fc.boolean(),
    actual_cost_usd: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
    actual_latency_ms: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
    actual_reputation: reputation,
  },
  { requiredKeys: ["decision_id", "success", "actual_cost_usd", "actual_latency_ms"] },
);

/** Any weights `resolveRewardWeights` accepts, down to the smallest positive divisors. */
const validWeights = fc.record({
  success_bonus: fc.double({ noNaN: true, noDefaultInfinity: true }),
  failure_reward: fc.double({ noNaN: true, noDefaultInfinity: true }),
  cost: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
  latency_divisor: fc.double({ min: Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }),
  reputation_divisor: fc.double({ min: Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }),
});

/** Valid, and small enough that 5 ms or 90 reputation points overflow to ±∞. */
const tinyDivisors: RewardWeights = { ...DEFAULT_REWARD_WEIGHTS, latency_divisor: 1e-310, reputation_divisor: 1e-310 };

describe("computeReward", () => {
  describe("with the default weights", () => {
    it("reproduces the seed's example: cost 2.45, latency 115, reputation 96 → 8.28", () => {
      const reward = computeReward(outcome({ actual_reputation: 96 }));
      expect(reward).toBe(-2.45 - 115 / 500 + 96 / 100 + 10);
      expect(reward).toBeCloseTo(8.28, 12);
    });

    it("gives −20 for a failure", () => {
      expect(computeReward(outcome({ success: false, actual_reputation: 96 }))).toBe(-20);
    });

    it("refuses weights whose failure reward is missing or not finite, as it refuses them for a success", () => {
      const failed = outcome({ success: false });
      for (const failure_reward of [undefined, Number.NaN, Number.NEGATIVE_INFINITY]) {
        const weights = { ...DEFAULT_REWARD_WEIGHTS, failure_reward } as unknown as RewardWeights;
        const error = thrown(() => computeReward(failed, weights));
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe("rewardWeights.failure_reward");
      }
    });

    it("reproduces the SPEC formula for any success", () => {
      fc.assert(
        fc.property(cost, latency, reputation, (c, l, r) => {
          const reward = computeReward(outcome({ actual_cost_usd: c, actual_latency_ms: l, actual_reputation: r }));
          expect(reward).toBe(-c - l / 500 + r / 100 + 10);
        }),
      );
    });
  });

  describe("reputation", () => {
    it("prefers the observed reputation to the advertised one", () => {
      expect(computeReward(outcome({ actual_reputation: 50 }), DEFAULT_REWARD_WEIGHTS, 100)).toBe(-2.45 - 0.23 + 0.5 + 10);
    });

    it("falls back to the advertised reputation when none was observed", () => {
      expect(computeReward(outcome(), DEFAULT_REWARD_WEIGHTS, 80)).toBe(-2.45 - 0.23 + 0.8 + 10);
    });

    it("counts reputation as 0 when neither is known", () => {
      expect(computeReward(outcome())).toBe(-2.45 - 0.23 + 10);
    });
  });

  it("applies custom weights", () => {
    const weights = { success_bonus: 5, failure_reward: -7, cost: 2, latency_divisor: 100, reputation_divisor: 50 };
    expect(computeReward(outcome({ actual_cost_usd: 3, actual_latency_ms: 200, actual_reputation: 100 }), weights)).toBe(
      -6 - 2 + 2 + 5,
    );
    expect(computeReward(outcome({ success: false }), weights)).toBe(-7);
  });

  describe("properties", () => {
    it("gives exactly failure_reward for any failure, whatever the costs", () => {
      fc.assert(
        fc.property(validOutcome, fc.option(reputation, { nil: undefined }), (o, advertised) => {
          expect(computeReward({ ...o, success: false }, DEFAULT_REWARD_WEIGHTS, advertised)).toBe(-20);
        }),
      );
    });

    it("is strictly decreasing in cost for a success (costs a cent or more apart)", () => {
      fc.assert(
        fc.property(cost, fc.double({ min: 0.01, max: 1e6, noNaN: true }), latency, reputation, (c, more, l, r) => {
          const base = { actual_latency_ms: l, actual_reputation: r };
          expect(computeReward(outcome({ ...base, actual_cost_usd: c + more }))).toBeLessThan(
            computeReward(outcome({ ...base, actual_cost_usd: c })),
          );
        }),
      );
    });

    it("is strictly decreasing in latency for a success (latencies a millisecond or more apart)", () => {
      fc.assert(
        fc.property(latency, fc.double({ min: 1, max: 1e7, noNaN: true }), cost, reputation, (l, more, c, r) => {
          const base = { actual_cost_usd: c, actual_reputation: r };
          expect(computeReward(outcome({ ...base, actual_latency_ms: l + more }))).toBeLessThan(
            computeReward(outcome({ ...base, actual_latency_ms: l })),
          );
        }),
      );
    });

    it("is non-decreasing in reputation for a success", () => {
      fc.assert(
        fc.property(reputation, reputation, cost, latency, (r1, r2, c, l) => {
          const [low, high] = r1 <= r2 ? [r1, r2] : [r2, r1];
          const base = { actual_cost_usd: c, actual_latency_ms: l };
          expect(computeReward(outcome({ ...base, actual_reputation: high }))).toBeGreaterThanOrEqual(
            computeReward(outcome({ ...base, actual_reputation: low })),
          );
        }),
      );
    });

    it("is finite for any valid outcome, even at the largest finite cost and latency", () => {
      fc.assert(
        fc.property(validOutcome, fc.option(reputation, { nil: undefined }), (o, advertised) => {
          expect(Number.isFinite(computeReward(o, DEFAULT_REWARD_WEIGHTS, advertised))).toBe(true);
        }),
      );
      const extreme = outcome({ actual_cost_usd: Number.MAX_VALUE, actual_latency_ms: Number.MAX_VALUE });
      expect(computeReward(extreme)).toBe(-Number.MAX_VALUE);
    });

    it("is finite for any valid outcome and any valid weights, tiny divisors included", () => {
      fc.assert(
        fc.property(validOutcome, fc.option(reputation, { nil: undefined }), validWeights, (o, advertised, weights) => {
          expect(Number.isFinite(computeReward(o, weights, advertised))).toBe(true);
        }),
        {
          examples: [
            [
              { decision_id: "d", success: true, actual_cost_usd: 1, actual_latency_ms: 5, actual_reputation: 90 },
              undefined,
              tinyDivisors,
            ],
          ],
        },
      );
    });
  });

  describe("terms that overflow", () => {
    it("takes the sign of the larger when the latency and reputation terms overflow to −∞ and +∞", () => {
      expect(computeReward(outcome({ actual_cost_usd: 1, actual_latency_ms: 5, actual_reputation: 90 }), tinyDivisors)).toBe(
        Number.MAX_VALUE,
      );
      expect(computeReward(outcome({ actual_cost_usd: 1, actual_latency_ms: 90, actual_reputation: 5 }), tinyDivisors)).toBe(
        -Number.MAX_VALUE,
      );
    });

    it("gives the finite reward when a term overflows but the sum does not", () => {
      // Latency 1.5·MAX_VALUE and reputation 0.9·MAX_VALUE points: a reward of −0.6·MAX_VALUE, not −MAX_VALUE.
      const weights = { ...DEFAULT_REWARD_WEIGHTS, latency_divisor: 1e-300, reputation_divisor: 100 / Number.MAX_VALUE };
      const reward = computeReward(
        outcome({ actual_cost_usd: 0, actual_latency_ms: 1.5 * (Number.MAX_VALUE * 1e-300), actual_reputation: 90 }),
        weights,
      );
      expect(reward / Number.MAX_VALUE).toBeCloseTo(-0.6, 12);
    });
  });

  describe("invalid", () => {
    it("refuses an advertised reputation that is not from 0 to 100, naming advertisedReputation", () => {
      const error = thrown(() => computeReward(outcome(), DEFAULT_REWARD_WEIGHTS, Number.NaN));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe("advertisedReputation");
    });

    it("refuses an outcome whose reward would be NaN, naming the field", () => {
      const error = thrown(() => computeReward(outcome({ actual_cost_usd: Number.NaN })));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe("actual_cost_usd");
    });

    it("refuses weights with one missing, naming rewardWeights", () => {
      const { cost: _, ...partial } = DEFAULT_REWARD_WEIGHTS;
      const error = thrown(() => computeReward(outcome(), partial as RewardWeights));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe("rewardWeights");
    });
  });
});
