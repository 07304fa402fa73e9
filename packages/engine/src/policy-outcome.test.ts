import type { Policy, RewardUpdate } from "@aurora/strategist";
import { createPolicy } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { RoutingEngine } from "./routing-engine.js";

/** A real policy whose updates are recorded on the way through. */
function recording(): { policy: Policy; updates: RewardUpdate[] } {
  const inner = createPolicy({ kind: "lin-ucb" });
  const updates: RewardUpdate[] = [];
  const policy: Policy = {
    name: inner.name,
    choose: (request) => inner.choose(request),
    estimate: (request) => inner.estimate(request),
    update: (update) => {
      updates.push(update);
      return inner.update(update);
    },
    stats: () => inner.stats(),
    toJSON: () => inner.toJSON(),
  };
  return { policy, updates };
}

describe("RoutingEngine feedback and the policy", () => {
  it("hands the policy the outcome with the reward, so it can learn success and the rest apart", async () => {
    const { policy, updates } = recording();
    const engine = new RoutingEngine({ seed: 1, policy });
    const { metadata } = engine.decide({ context, providers: market(3) });
    const outcome = { decision_id: metadata.decision_id, success: false, actual_cost_usd: 0, actual_latency_ms: 900 };
    const reward = await engine.feedback(outcome);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ reward, outcome: { success: false, actual_cost_usd: 0, actual_latency_ms: 900 } });
  });

  it("keeps the request's state key when a policy names the state by another key", () => {
    const inner = createPolicy({ kind: "q-learning" });
    const policy: Policy = {
      name: inner.name,
      choose: (request) => ({ ...inner.choose(request), stateKey: "somewhere:else:entirely" }),
      estimate: (request) => inner.estimate(request),
      update: (update) => inner.update(update),
      stats: () => inner.stats(),
      toJSON: () => inner.toJSON(),
    };
    const engine = new RoutingEngine({ seed: 1, policy });
    const { metadata } = engine.decide({ context, providers: market(3) });
    expect(metadata.state_key).toBe("llm_inference:a100:us-west");
    expect(engine.getAuditTrail({ decisionId: metadata.decision_id })[0]?.state_key).toBe("llm_inference:a100:us-west");
  });

  it("runs the new learning policies by name", () => {
    for (const kind of ["ucb1", "thompson", "softmax", "lin-ucb", "lin-thompson", "linear-value"] as const) {
      const engine = new RoutingEngine({ seed: 2, policy: { kind } });
      const { metadata } = engine.decide({ context, providers: market(4) });
      expect(metadata.policy).toBe(kind);
      expect(metadata.probability).toBeGreaterThan(0);
    }
  });
});
