import type { Context } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { RULE_MARKET } from "../test/fixtures/rule-market.js";
import type { ChooseRequest } from "./policy.js";
import { createPolicy } from "./policy-registry.js";
import { RulePolicy } from "./rule-policy.js";

const context: Context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const request: ChooseRequest = { stateKey: "llm_inference:a100:us-west", context, candidates: RULE_MARKET };

describe("RulePolicy", () => {
  it("picks the simulator's rule pick on a fixed market, with probability 1", () => {
    const choice = new RulePolicy().choose(request);
    expect(choice).toEqual({
      index: 1,
      providerId: "ionet",
      mode: "exploit",
      estimate: 0.4943333333333334,
      epsilon: 0,
      probability: 1,
    });
  });

  it("follows its weights", () => {
    const byReputation = new RulePolicy({ weights: { price: 0, latency: 0, reputation: 1, availability: 0 } });
    expect(byReputation.choose(request).providerId).toBe("render");
  });

  it("keeps the first of two equal scores", () => {
    const twin = { ...RULE_MARKET[1]!, provider_id: "twin" };
    expect(new RulePolicy().choose({ ...request, candidates: [twin, ...RULE_MARKET] }).providerId).toBe("twin");
  });

  it("estimates each candidate by its score, so alternatives rank as the rule does", () => {
    expect(new RulePolicy().estimate(request)).toEqual([0.3925, 0.4943333333333334, 0.4794105263157895, 0.462375]);
  });

  it("learns nothing from rewards, but counts them", () => {
    const policy = new RulePolicy();
    policy.choose(request);
    const result = policy.update({ stateKey: request.stateKey, context, provider: RULE_MARKET[0]!, reward: 8 });
    policy.update({ stateKey: request.stateKey, context, provider: RULE_MARKET[0]!, reward: -20 });
    expect(result).toEqual({ before: 0.3925, after: 0.3925 });
    expect(policy.choose(request).providerId).toBe("ionet");
    expect(policy.stats()).toEqual({ epsilon: 0, decision_count: 2, q_states: 0, avg_reward_100: -6, total_rewards: 2 });
  });

  it("round-trips through a snapshot, and is built by the registry as kind rule", () => {
    const policy = new RulePolicy({ fullAvailabilityGpuHours: 20 });
    policy.choose(request);
    policy.update({ stateKey: request.stateKey, context, provider: RULE_MARKET[1]!, reward: 7.5 });
    const snapshot = JSON.parse(JSON.stringify(policy.toJSON()));
    const resumed = createPolicy({ kind: "rule" }, { snapshot });
    expect(resumed).toBeInstanceOf(RulePolicy);
    expect(resumed.toJSON()).toEqual(policy.toJSON());
    expect(snapshot).toMatchObject({
      format: "aurora-model",
      version: 1,
      policy: "rule",
      decision_count: 1,
      reward_history: [7.5],
    });
  });

  it("lets options override a snapshot's settings", () => {
    const snapshot = new RulePolicy({ fullAvailabilityGpuHours: 20 }).toJSON();
    expect((RulePolicy.fromJSON(snapshot, { fullAvailabilityGpuHours: 50 }) as RulePolicy).params.fullAvailabilityGpuHours).toBe(
      50,
    );
  });

  describe("invalid", () => {
    it("refuses an empty candidate list, a repeated id and a bad reward, naming the field", () => {
      const policy = new RulePolicy();
      const field = (action: () => unknown) => {
        try {
          action();
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return (error as ValidationError).field;
        }
        return "none";
      };
      expect(field(() => policy.choose({ ...request, candidates: [] }))).toBe("candidates");
      expect(field(() => policy.choose({ ...request, candidates: [RULE_MARKET[0]!, RULE_MARKET[0]!] }))).toBe(
        "candidates[1].provider_id",
      );
      expect(field(() => policy.update({ stateKey: "s", context, provider: RULE_MARKET[0]!, reward: Number.NaN }))).toBe(
        "reward",
      );
      expect(field(() => new RulePolicy({ weights: { price: Number.POSITIVE_INFINITY } }))).toBe("weights.price");
      expect(field(() => RulePolicy.fromJSON({ ...policy.toJSON(), policy: "q-learning" }))).toBe("policy");
      expect(policy.stats().decision_count).toBe(0);
    });
  });
});
