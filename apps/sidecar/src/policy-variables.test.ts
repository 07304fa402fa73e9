import { describe, expect, it } from "vitest";
import { parseConfig } from "./config.js";
import { ConfigError } from "./config-error.js";

function problemOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("parseConfig accepted the environment");
}

describe("AURORA_POLICY", () => {
  it.each([
    ["ucb1", { kind: "ucb1" }],
    ["q-learning", { kind: "q-learning" }],
    ["  rule  ", { kind: "rule" }],
    ['{"kind":"q-learning","epsilon":0.2}', { kind: "q-learning", epsilon: 0.2 }],
    [' {"kind":"rule"} ', { kind: "rule" }],
  ])("reads %j as the registry config %j", (value, policy) => {
    expect(parseConfig({ AURORA_POLICY: value }).policy).toEqual(policy);
  });

  it("is unset when empty", () => {
    expect(parseConfig({ AURORA_POLICY: "" }).policy).toBeUndefined();
  });

  it.each(["Q-Learning", "q learning", "{epsilon:0.2}", '{"epsilon":0.2}', '["rule"]', "1ucb"])(
    "refuses %j, naming the variable and both accepted forms",
    (value) => {
      const error = problemOf({ AURORA_POLICY: value });
      expect(error.variable).toBe("AURORA_POLICY");
      expect(error.message).toBe(
        `invalid configuration: AURORA_POLICY: must be a policy name such as q-learning or ucb1 (GET /policies lists them), or a JSON object naming its kind, e.g. {"kind":"q-learning","epsilon":0.2}; got "${value}"`,
      );
    },
  );
});

describe("AURORA_GUARDRAIL", () => {
  it.each([
    ["rule", { baseline: { kind: "rule" } }],
    ["q-learning", { baseline: { kind: "q-learning" } }],
    ["on", {}],
    ["TRUE", {}],
    ['{"baseline":{"kind":"rule"},"minSamples":50}', { baseline: { kind: "rule" }, minSamples: 50 }],
    ["{}", {}],
  ])("reads %j as the engine's guardrail option %j", (value, guardrail) => {
    expect(parseConfig({ AURORA_GUARDRAIL: value }).guardrail).toEqual(guardrail);
  });

  it.each(["off", "false", "0", "no", ""])("leaves the policy unguarded for %j", (value) => {
    expect(parseConfig({ AURORA_GUARDRAIL: value }).guardrail).toBeUndefined();
  });

  it("leaves the policy unguarded when unset", () => {
    expect(parseConfig({}).guardrail).toBeUndefined();
  });

  it.each(["Rule", "rule please", "[1]", "{baseline: rule}"])("refuses %j, naming the variable", (value) => {
    const error = problemOf({ AURORA_GUARDRAIL: value });
    expect(error.variable).toBe("AURORA_GUARDRAIL");
    expect(error.message).toBe(
      `invalid configuration: AURORA_GUARDRAIL: must be the baseline policy's name such as rule, on (the rule baseline), off, or a JSON object of guardrail settings, e.g. {"baseline":{"kind":"rule"},"minSamples":50}; got "${value}"`,
    );
  });
});
