import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { DEFAULT_REWARD_WEIGHTS, resolveRewardWeights } from "./reward-weights.js";

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

describe("DEFAULT_REWARD_WEIGHTS", () => {
  it("are the seed's weights", () => {
    expect(DEFAULT_REWARD_WEIGHTS).toEqual({
      success_bonus: 10,
      failure_reward: -20,
      cost: 1,
      latency_divisor: 500,
      reputation_divisor: 100,
    });
  });

  it("cannot be changed by a caller", () => {
    expect(Object.isFrozen(DEFAULT_REWARD_WEIGHTS)).toBe(true);
  });
});

describe("resolveRewardWeights", () => {
  it("fills the weights not given from the defaults", () => {
    expect(resolveRewardWeights({ cost: 2, failure_reward: -5 })).toEqual({
      success_bonus: 10,
      failure_reward: -5,
      cost: 2,
      latency_divisor: 500,
      reputation_divisor: 100,
    });
  });

  it("returns the defaults when given nothing", () => {
    expect(resolveRewardWeights(undefined)).toBe(DEFAULT_REWARD_WEIGHTS);
  });

  describe("invalid", () => {
    it("refuses an unknown weight, naming it", () => {
      expect(fieldOf(() => resolveRewardWeights({ latencyDivisor: 5 } as never))).toBe("rewardWeights.latencyDivisor");
    });

    it("refuses a zero divisor", () => {
      expect(fieldOf(() => resolveRewardWeights({ latency_divisor: 0 }))).toBe("rewardWeights.latency_divisor");
      expect(fieldOf(() => resolveRewardWeights({ reputation_divisor: 0 }))).toBe("rewardWeights.reputation_divisor");
    });

    it("refuses a negative cost weight, which would reward spending", () => {
      expect(fieldOf(() => resolveRewardWeights({ cost: -1 }))).toBe("rewardWeights.cost");
    });

    it("refuses NaN and infinite weights", () => {
      expect(fieldOf(() => resolveRewardWeights({ success_bonus: Number.NaN }))).toBe("rewardWeights.success_bonus");
      expect(fieldOf(() => resolveRewardWeights({ failure_reward: -Infinity }))).toBe("rewardWeights.failure_reward");
    });

    it("refuses a weight given as text", () => {
      expect(fieldOf(() => resolveRewardWeights({ cost: "2" } as never))).toBe("rewardWeights.cost");
    });

    it("treats __proto__ as an unknown weight, not a prototype", () => {
      const partial = JSON.parse('{"__proto__": {"cost": 99}}') as object;
      expect(fieldOf(() => resolveRewardWeights(partial))).toBe("rewardWeights.__proto__");
    });
  });
});
