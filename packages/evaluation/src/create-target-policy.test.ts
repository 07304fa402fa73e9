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

  it("names the field of a bad spec", () => {
    expect(() => createTargetPolicy({ kind: "nope" })).toThrow(ValidationError);
    expect(() => createTargetPolicy({ kind: "nope" })).toThrow(/^kind: must be one of "q-learning"/);
    expect(() => createTargetPolicy({ kind: "always" })).toThrow(/^config\.provider_id: must name the provider/);
    expect(() => createTargetPolicy({ kind: "q-learning", config: { epsilon: 2 } })).toThrow(
      /^epsilon: must be a number from 0 to 1/,
    );
  });
});
