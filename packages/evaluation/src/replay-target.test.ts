import { describe, expect, it } from "vitest";
import { logLine } from "../test/log-lines.js";
import { alwaysProvider } from "./always-provider.js";
import { decisionLogLineSchema } from "./decision-log-line.js";
import { TargetPolicyError } from "./errors.js";
import { replayTarget } from "./replay-target.js";
import type { TargetPolicy } from "./target-policy.js";

const line = (overrides = {}) =>
  decisionLogLineSchema.parse(logLine(overrides)) as ReturnType<typeof decisionLogLineSchema.parse> & { reward: number };

describe("replayTarget", () => {
  it("pairs the target's probabilities with the logged choice, propensity and reward", () => {
    expect(replayTarget(line({ chosen: "b", propensity: 0.2, reward: 3 }), alwaysProvider("a"))).toEqual({
      stateKey: "llm_inference:a100:us-west",
      actions: ["a", "b"],
      chosen: 1,
      reward: 3,
      propensity: 0.2,
      target: [1, 0],
    });
  });

  it("takes what the pick earned when it failed first (chosen_reward), not the fallback's reward", () => {
    const failedOver = line({
      chosen: "a",
      reward: 8.5,
      chosen_reward: -20,
      outcome: { success: true, actual_cost_usd: 5, actual_latency_ms: 120, provider_id: "b", failed_before: ["a"] },
    });
    expect(replayTarget(failedOver, alwaysProvider("a")).reward).toBe(-20);
  });

  it("hands the target the logged context, candidates and Ψ density", () => {
    let seen: unknown;
    const spy: TargetPolicy = {
      name: "spy",
      probabilities(request) {
        seen = request;
        return [0.5, 0.5];
      },
    };
    replayTarget(line({ psi_density: 0.4 }), spy);
    expect(seen).toMatchObject({ stateKey: "llm_inference:a100:us-west", psiDensity: 0.4, context: { gpu_hours: 2 } });
  });

  it.each([
    [[1], "returned 1 values for 2 candidates"],
    [[0.7, 0.7], "returned probabilities summing to 1.4"],
    [[Number.NaN, 1], "returned NaN, which is not a probability"],
  ])("refuses a target answering %j", (answer, message) => {
    const bad: TargetPolicy = { name: "bad", probabilities: () => answer };
    expect(() => replayTarget(line(), bad)).toThrow(TargetPolicyError);
    expect(() => replayTarget(line(), bad)).toThrow(`target policy "bad" ${message}`);
  });
});
