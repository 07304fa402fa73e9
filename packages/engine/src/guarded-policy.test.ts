import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock, ValidationError } from "@aurora/domain";
import type { GuardrailSnapshot } from "@aurora/strategist";
import { GuardrailPolicy, RulePolicy, Strategist } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { RoutingEngine } from "./routing-engine.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "aurora-guardrail-"));
const OPTIMISTIC = { kind: "q-learning", initialQ: 15, gamma: 0 } as const;

async function run(engine: RoutingEngine, steps: number): Promise<string[]> {
  const modes: string[] = [];
  for (let i = 0; i < steps; i++) {
    const { provider_id, metadata } = engine.decide({ context, providers: market(4) });
    modes.push(metadata.mode);
    const cost = provider_id === "p3" ? 2 : 6;
    await engine.feedback({ decision_id: metadata.decision_id, success: true, actual_cost_usd: cost, actual_latency_ms: 100 });
  }
  return modes;
}

describe("RoutingEngine with a guardrail", () => {
  it("wraps the configured policy, playing the rule router's pick with mode baseline", () => {
    const engine = new RoutingEngine({ seed: 3, policy: OPTIMISTIC, guardrail: {}, clock: new ManualClock(0) });
    const rulePick = new RulePolicy().choose({ stateKey: "s", context, candidates: market(4) as never }).providerId;
    const results = Array.from({ length: 30 }, () => engine.decide({ context, providers: market(4) }));
    expect(engine.policy).toBeInstanceOf(GuardrailPolicy);
    expect(results.every(({ metadata }) => metadata.policy === "guardrail")).toBe(true);
    const baseline = results.filter(({ metadata }) => metadata.mode === "baseline");
    expect(baseline.length).toBeGreaterThan(0);
    for (const { provider_id, metadata } of baseline) {
      expect(provider_id).toBe(rulePick);
      expect(metadata.arm).toBe("baseline");
    }
  });

  it("reports the share of decisions where the policy was trusted, keeping the seed's status keys", async () => {
    const engine = new RoutingEngine({ seed: 3, policy: OPTIMISTIC, guardrail: {}, clock: new ManualClock(0) });
    await run(engine, 1500);
    const status = engine.getStatus();
    expect(Object.keys(status.strategist)).toEqual(
      expect.arrayContaining(["epsilon", "decision_count", "q_states", "avg_reward_100", "total_rewards", "guardrail"]),
    );
    const guardrail = status.strategist.guardrail!;
    expect(guardrail.decisions).toBe(1500);
    expect(guardrail.trusted_share).toBe(guardrail.trusted_decisions / 1500);
    expect(guardrail.trusted_share).toBeGreaterThan(0);
    expect(guardrail.evidence.policy.count + guardrail.evidence.baseline.count).toBe(
      guardrail.policy_plays + guardrail.baseline_plays,
    );
  });

  it("keeps the guardrail, its evidence and both policies across a restart", async () => {
    const modelPath = join(tempDir(), "model.json");
    const options = { seed: 3, policy: OPTIMISTIC, guardrail: {}, modelPath, clock: new ManualClock(0) };
    const first = new RoutingEngine(options);
    await run(first, 200);
    const saved = first.policy.toJSON() as GuardrailSnapshot;
    await first.close();
    const second = new RoutingEngine(options);
    expect(second.policy.toJSON()).toEqual(saved);
    await second.close();
    const third = new RoutingEngine({ modelPath, clock: new ManualClock(0) });
    expect(third.policy.name).toBe("guardrail");
    await third.close();
  });

  it("switches a guardrail on over a plain model file, keeping what the policy learned", async () => {
    const modelPath = join(tempDir(), "model.json");
    const plain = new RoutingEngine({ seed: 3, policy: OPTIMISTIC, modelPath, clock: new ManualClock(0) });
    await run(plain, 50);
    const learned = plain.policy.toJSON();
    await plain.close();
    const guarded = new RoutingEngine({
      seed: 3,
      guardrail: { baseline: { kind: "rule" } },
      modelPath,
      clock: new ManualClock(0),
    });
    const snapshot = guarded.policy.toJSON() as GuardrailSnapshot;
    expect(snapshot.inner.policy).toEqual(learned);
    expect(snapshot.decision_count).toBe(0);
  });

  it("wraps a ready policy instance", () => {
    const engine = new RoutingEngine({ seed: 1, policy: new Strategist(), guardrail: { check: 0.1 } });
    expect(engine.policy.toJSON()).toMatchObject({ policy: "guardrail", params: { check: 0.1, baseline: { kind: "rule" } } });
  });

  it("refuses a bad guardrail setting, naming it", () => {
    expect(() => new RoutingEngine({ guardrail: { explore: 2 } })).toThrow(ValidationError);
    expect(() => new RoutingEngine({ guardrail: { explore: 2 } })).toThrow(/^explore: must be a number from 0 to 1/);
    expect(() => new RoutingEngine({ guardrail: [] as never })).toThrow(/^options.guardrail: must be an object/);
  });
});
