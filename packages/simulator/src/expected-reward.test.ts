import { describe, expect, it } from "vitest";
import { expectedReward, noDecisionReward } from "./expected-reward.js";
import { specReward } from "./testing/spec-reward.js";

describe("expectedReward", () => {
  const truth = { failureProbability: 0.1, latencyMeanMs: 250, latencySdMs: 50, costMeanUsd: 3, costCv: 0.1 };

  it("mixes the mean success and a failure by the failure probability", () => {
    // success: −3 − 250/500 + 80/100 + 10 = 7.3; 0.9 · 7.3 + 0.1 · (−20) = 4.57
    expect(expectedReward(truth, 80, specReward)).toBeCloseTo(4.57, 12);
  });

  it("is the success reward for a provider that never fails, and the failure reward for one that always does", () => {
    expect(expectedReward({ ...truth, failureProbability: 0 }, 80, specReward)).toBeCloseTo(7.3, 12);
    expect(expectedReward({ ...truth, failureProbability: 1 }, 80, specReward)).toBe(-20);
  });
});

describe("noDecisionReward", () => {
  it("is the reward of a failed job", () => {
    expect(noDecisionReward(specReward)).toBe(-20);
  });
});
