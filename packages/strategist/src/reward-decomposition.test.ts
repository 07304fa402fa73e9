import { describe, expect, it } from "vitest";
import { context, provider } from "../test/learning-market.js";
import { resolveOptions } from "./option-rules.js";
import {
  DEFAULT_POLICY_REWARD_WEIGHTS,
  expectedReward,
  knownReward,
  rewardWeightsRule,
  succeeded,
  successPrior,
  successResidual,
} from "./reward-decomposition.js";

const weights = DEFAULT_POLICY_REWARD_WEIGHTS;

describe("the reward decomposition", () => {
  it("reads the known part off the advertised record: −price·hours + reputation/100", () => {
    expect(knownReward(context("us-west", 2.5), provider("akash", 2, 120, 90), weights)).toBeCloseTo(-5 + 0.9, 12);
  });

  it("takes the advertised latency as the promise: 10 − latency/500", () => {
    expect(successPrior(provider("akash", 2, 120, 90), weights)).toBeCloseTo(10 - 0.24, 12);
  });

  it("adds up to the SPEC reward when the job goes as advertised", () => {
    const p = provider("akash", 2, 120, 90);
    const ctx = context("us-west", 1.5);
    const reward = -3 - 120 / 500 + 0.9 + 10;
    expect(knownReward(ctx, p, weights) + successPrior(p, weights)).toBeCloseTo(reward, 12);
    expect(successResidual({ stateKey: "s", context: ctx, provider: p, reward: reward - 0.4 }, weights)).toBeCloseTo(-0.4, 12);
  });

  it("mixes success and failure by the failure probability, clamped to [0, 1]", () => {
    expect(expectedReward(0.1, 8, -20)).toBeCloseTo(0.9 * 8 - 2, 12);
    expect(expectedReward(-0.2, 8, -20)).toBe(8);
    expect(expectedReward(1.3, 8, -20)).toBe(-20);
  });

  it("reads success from the outcome when given, else from a reward other than the failure reward", () => {
    const base = { stateKey: "s", context: context(), provider: provider("a") };
    expect(succeeded({ ...base, reward: -20 }, weights)).toBe(false);
    expect(succeeded({ ...base, reward: 7 }, weights)).toBe(true);
    expect(
      succeeded({ ...base, reward: -20, outcome: { success: true, actual_cost_usd: 30, actual_latency_ms: 1 } }, weights),
    ).toBe(true);
  });
});

describe("rewardWeightsRule", () => {
  const resolve = (value: unknown) =>
    resolveOptions("demo", { rewardWeights: rewardWeightsRule }, { rewardWeights: value }).rewardWeights;

  it("fills the weights not given from the SPEC's", () => {
    expect(resolve({ cost: 2 })).toEqual({ ...weights, cost: 2 });
  });

  it("names a bad or unknown weight", () => {
    expect(() => resolve({ latency_divisor: 0 })).toThrow(/^rewardWeights\.latency_divisor: must be a finite number > 0/);
    expect(() => resolve({ bonus: 1 })).toThrow(/^rewardWeights\.bonus: is not a reward weight/);
    expect(() => resolve(3)).toThrow(/^rewardWeights: must be an object/);
  });
});
