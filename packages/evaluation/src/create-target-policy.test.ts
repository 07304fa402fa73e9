import { contextSchema, providerSchema, ValidationError } from "@aurora/domain";
import { createPolicy } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { context, provider } from "../test/log-lines.js";
import { createTargetPolicy } from "./create-target-policy.js";

const request = {
  stateKey: "llm_inference:a100:us-west",
  context: contextSchema.parse(context),
  candidates: ["a", "b", "c"].map((id) => providerSchema.parse(provider(id))),
};

describe("createTargetPolicy", () => {
  it("builds always:<id> and always with config.provider_id", () => {
    expect(createTargetPolicy({ kind: "always:b" }).probabilities(request)).toEqual([0, 1, 0]);
    expect(createTargetPolicy({ kind: "always", config: { provider_id: "c" } }).name).toBe("always:c");
  });

  it("builds a registry policy with its options", () => {
    const target = createTargetPolicy({ kind: "q-learning", config: { epsilon: 0.3 } });
    expect(target.name).toBe("q-learning");
    // An untrained table: every estimate 0, so the first candidate is greedy.
    const p = target.probabilities(request);
    expect(p[0]).toBeCloseTo(0.8, 12);
    expect(p[1]).toBeCloseTo(0.1, 12);
  });

  it("freezes a learning policy at a snapshot", () => {
    const policy = createPolicy({ kind: "q-learning", epsilon: 0 });
    policy.update({ stateKey: request.stateKey, context: request.context, provider: request.candidates[1]!, reward: 5 });
    const target = createTargetPolicy({ kind: "q-learning", snapshot: JSON.parse(JSON.stringify(policy.toJSON())) });
    expect(target.probabilities(request)).toEqual([0, 1, 0]);
  });

  describe("an epsilon in the config with a snapshot", () => {
    /** A policy that learned 20 rewards, so its ε decayed from 0.5. */
    function trained(kind: "q-learning" | "linear-value"): Record<string, unknown> {
      const policy = createPolicy({ kind, epsilon: 0.5 });
      for (let i = 0; i < 20; i++) {
        policy.update({ stateKey: request.stateKey, context: request.context, provider: request.candidates[1]!, reward: 5 });
      }
      return JSON.parse(JSON.stringify(policy.toJSON()));
    }

    it.each(["q-learning", "linear-value"] as const)("replaces the snapshot's decayed ε for %s", (kind) => {
      const snapshot = trained(kind);
      expect(snapshot.epsilon).toBeGreaterThan(0.4);
      // ε-greedy over 3 candidates: ε/3 each, 1 − ε more for the greedy one.
      const sorted = (epsilon: number) =>
        [...createTargetPolicy({ kind, config: { epsilon }, snapshot }).probabilities(request)].sort((a, b) => a - b);
      expect(sorted(0)).toEqual([0, 0, 1]);
      const explored = sorted(0.3);
      expect(explored[0]).toBeCloseTo(0.1, 12);
      expect(explored[2]).toBeCloseTo(0.8, 12);
    });

    it("leaves the snapshot's ε, and the snapshot itself, alone without one", () => {
      const snapshot = trained("q-learning");
      const copy = structuredClone(snapshot);
      const epsilon = snapshot.epsilon as number;
      expect(createTargetPolicy({ kind: "q-learning", snapshot }).probabilities(request)[0]).toBeCloseTo(epsilon / 3, 12);
      createTargetPolicy({ kind: "q-learning", config: { epsilon: 0 }, snapshot });
      expect(snapshot).toEqual(copy);
    });
  });

  describe("always", () => {
    it.each([
      [{ kind: "always:a", config: { epsilon: 0 } }, /^config\.epsilon: is not an option of always:a/],
      [{ kind: "always", config: { provider_id: "a", epsilon: 0 } }, /^config\.epsilon: is not an option of always/],
      [{ kind: "always:a", snapshot: {} }, /^snapshot: must not be given with always:a/],
      [{ kind: "always", config: { provider_id: "a" }, snapshot: {} }, /^snapshot: must not be given with always/],
      [{ kind: "always:" }, /^kind: must name the provider after "always:"/],
      [{ kind: "always", config: { provider_id: "" } }, /^config\.provider_id: must name the provider/],
    ])("refuses %j, naming the field", (spec, message) => {
      expect(() => createTargetPolicy(spec)).toThrow(ValidationError);
      expect(() => createTargetPolicy(spec)).toThrow(message);
    });

    it("takes an empty config", () => {
      expect(createTargetPolicy({ kind: "always:c", config: {} }).probabilities(request)).toEqual([0, 0, 1]);
    });
  });

  it("names the field of a bad spec", () => {
    expect(() => createTargetPolicy({ kind: "nope" })).toThrow(ValidationError);
    expect(() => createTargetPolicy({ kind: "nope" })).toThrow(/^kind: must be one of "q-learning"/);
    expect(() => createTargetPolicy({ kind: "always" })).toThrow(/^config\.provider_id: must name the provider/);
    expect(() => createTargetPolicy({ kind: "q-learning", config: { epsilon: 2 } })).toThrow(
      /^epsilon: must be a number from 0 to 1/,
    );
  });
});
