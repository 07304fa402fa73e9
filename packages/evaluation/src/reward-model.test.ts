import { describe, expect, it } from "vitest";
import type { LoggedSample } from "./logged-sample.js";
import { fitMeanRewardModel } from "./reward-model.js";

const sample = (stateKey: string, action: string, reward: number): LoggedSample => ({
  stateKey,
  actions: [action, "other"],
  chosen: 0,
  reward,
  propensity: 0.5,
  target: [1, 0],
});

describe("fitMeanRewardModel", () => {
  const model = fitMeanRewardModel([sample("s1", "a", 10), sample("s1", "a", 6), sample("s2", "a", 2), sample("s2", "b", -20)]);

  it("predicts the mean logged reward of (state, provider)", () => {
    expect(model.predict("s1", "a")).toBe(8);
    expect(model.predict("s2", "b")).toBe(-20);
  });

  it("falls back to the provider's mean over all states, then to the overall mean", () => {
    expect(model.predict("s1", "b")).toBe(-20);
    expect(model.predict("s3", "a")).toBe(6);
    expect(model.predict("s1", "never-logged")).toBe(-0.5);
  });

  it("treats __proto__ and constructor as ordinary ids", () => {
    const m = fitMeanRewardModel([sample("__proto__", "constructor", 3), sample("s", "__proto__", 5)]);
    expect(m.predict("__proto__", "constructor")).toBe(3);
    expect(m.predict("constructor", "__proto__")).toBe(5);
  });

  it("predicts 0 without training data", () => {
    expect(fitMeanRewardModel([]).predict("s", "a")).toBe(0);
  });
});
