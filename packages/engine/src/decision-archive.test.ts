import { type Provider, ValidationError, VIOLATION_TYPES, type ViolationType } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { type ArchivedDecision, DecisionArchive, explainCandidates } from "./decision-archive.js";
import { RoutingEngine } from "./routing-engine.js";

function archived(decisionId: string, mode = "exploit"): ArchivedDecision {
  return {
    decision_id: decisionId,
    at: 0,
    state_key: "llm_inference:a100:us-west",
    context,
    constraints: undefined,
    partition: { compliant: market(2) as Provider[], violating: [], excluded: [] },
    usedCompliant: true,
    chosenIndex: 0,
    estimates: [1, 0],
    provider_id: "p0",
    mode,
    probability: 1,
    epsilon: 0.1,
    policy: "q-learning",
    model_version: 0,
    reason: null,
  };
}

describe("decision records", () => {
  it("explains every candidate: chosen, ranked lower, violated a constraint, excluded", () => {
    const engine = new RoutingEngine({ seed: 4 });
    const providers = market(6); // prices 1, 1.5, 2, 2.5, 3, 1
    const { provider_id, metadata } = engine.decide({
      context,
      providers,
      constraints: { max_price: 2.2, deny: ["p5"] },
      explain: true,
    });
    const byId = new Map(metadata.candidates!.map((c) => [c.provider_id, c]));
    expect(byId.size).toBe(6);
    expect(byId.get(provider_id!)?.status).toBe("chosen");
    expect(byId.get("p5")?.status).toBe("excluded");
    expect(byId.get("p5")?.reason).toMatch(/deny/);
    expect(byId.get("p3")?.status).toBe("violated_constraint");
    expect(byId.get("p3")?.violations).toEqual(["price_exceeded"]);
    const lower = metadata.candidates!.filter((c) => c.status === "ranked_lower").map((c) => c.provider_id);
    expect(new Set([...lower, provider_id])).toEqual(new Set(["p0", "p1", "p2"]));
    for (const c of metadata.candidates!)
      if (c.status === "ranked_lower" || c.status === "chosen") expect(c.estimate).toBeTypeOf("number");
  });

  it("gives every candidate the chance the policy would pick it: the chosen one's is the decision's probability", () => {
    for (const policy of [
      { kind: "q-learning" as const, epsilon: 0.3 },
      { kind: "ucb1" as const },
      { kind: "softmax" as const },
    ]) {
      const engine = new RoutingEngine({ seed: 4, policy });
      for (let i = 0; i < 12; i++) {
        const { provider_id, metadata } = engine.decide({
          context,
          providers: market(6),
          constraints: { max_price: 2.2, deny: ["p5"] },
          explain: true,
        });
        const odds = new Map(metadata.candidates!.map((c) => [c.provider_id, c.probability]));
        expect(odds.get(provider_id!), `${policy.kind} decision ${i}`).toBe(metadata.probability);
        // Priced over the limit and denied: never picked while compliant ones exist.
        expect([odds.get("p3"), odds.get("p4"), odds.get("p5")]).toEqual([0, 0, 0]);
        const sum = [...odds.values()].reduce((a, b) => (a as number) + (b as number), 0) as number;
        expect(sum).toBeCloseTo(1, 12);
      }
    }
    // A policy with Monte Carlo odds only states none.
    const sampled = new RoutingEngine({ seed: 4, policy: { kind: "thompson" } });
    const { metadata } = sampled.decide({ context, providers: market(3), explain: true });
    expect(metadata.candidates!.every((c) => c.probability === undefined)).toBe(true);
  });

  it("builds no explanation without explain", () => {
    const engine = new RoutingEngine({ seed: 4 });
    expect(engine.decide({ context, providers: market(3) }).metadata.candidates).toBeUndefined();
  });

  it("returns the whole record by id, with the outcome once known", async () => {
    const engine = new RoutingEngine({ seed: 4 });
    const { provider_id, metadata } = engine.decide({ context, providers: market(4) });
    const before = engine.getDecision(metadata.decision_id);
    expect(before?.provider_id).toBe(provider_id);
    expect(before?.outcome).toBeNull();
    expect(before?.policy).toBe("q-learning");
    expect(before?.probability).toBe(metadata.probability);
    expect(before?.request.context.gpu_hours).toBe(2);
    await engine.feedback({ decision_id: metadata.decision_id, success: true, actual_cost_usd: 3, actual_latency_ms: 90 });
    const after = engine.getDecision(metadata.decision_id);
    expect(after?.outcome?.success).toBe(true);
    expect(after?.outcome?.fallback).toBe(false);
    expect(after?.outcome?.reward).toBeTypeOf("number");
    expect(engine.getDecision("nope")).toBeUndefined();
  });

  it("learns a fallback's outcome for the provider the router actually used", async () => {
    const engine = new RoutingEngine({ seed: 4, policy: { kind: "q-learning", epsilon: 0 } });
    const { provider_id, metadata } = engine.decide({ context, providers: market(4) });
    const fallback = metadata.alternatives[0]!.provider_id;
    expect(fallback).not.toBe(provider_id);
    await engine.feedback({
      decision_id: metadata.decision_id,
      provider_id: fallback,
      success: true,
      actual_cost_usd: 1,
      actual_latency_ms: 50,
    });
    const record = engine.getDecision(metadata.decision_id)!;
    expect(record.outcome?.provider_id).toBe(fallback);
    expect(record.outcome?.fallback).toBe(true);
    const next = engine.decide({ context, providers: market(4), explain: true });
    const fallbackEstimate = next.metadata.candidates!.find((c) => c.provider_id === fallback)!.estimate!;
    expect(fallbackEstimate).toBeGreaterThan(0);
  });

  it("refuses feedback naming a provider that was neither chosen nor an alternative", async () => {
    const engine = new RoutingEngine({ seed: 4, alternatives: 1 });
    const { metadata } = engine.decide({ context, providers: market(5) });
    const stranger = ["p0", "p1", "p2", "p3", "p4"].find(
      (id) => id !== engine.getDecision(metadata.decision_id)!.provider_id && id !== metadata.alternatives[0]!.provider_id,
    )!;
    await expect(
      engine.feedback({
        decision_id: metadata.decision_id,
        provider_id: stranger,
        success: true,
        actual_cost_usd: 1,
        actual_latency_ms: 1,
      }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it("keeps at most maxDecisionRecords records, forgetting the oldest", () => {
    const engine = new RoutingEngine({ seed: 4, maxDecisionRecords: 3 });
    const ids = Array.from({ length: 5 }, () => engine.decide({ context, providers: market(3) }).metadata.decision_id);
    expect(engine.getDecision(ids[0]!)).toBeUndefined();
    expect(engine.getDecision(ids[1]!)).toBeUndefined();
    expect(engine.getDecision(ids[4]!)).toBeDefined();
  });

  it("explains a decision that found nothing viable", () => {
    const engine = new RoutingEngine({ seed: 4, strictAudit: true });
    const { provider_id, metadata } = engine.decide({
      context,
      providers: market(3),
      constraints: { max_price: 0.1 },
      explain: true,
    });
    expect(provider_id).toBeNull();
    expect(metadata.candidates?.every((c) => c.status === "violated_constraint")).toBe(true);
    expect(engine.getDecision(metadata.decision_id)?.reason).toMatch(/strict audit/);
    // None complied: the reason is strict mode, not compliant providers that do not exist.
    for (const explained of [metadata.candidates!, engine.getDecision(metadata.decision_id)!.candidates]) {
      for (const c of explained)
        expect(c.reason).toBe("violates price_exceeded, and strict mode never chooses a violating provider");
    }
  });

  it("explains the providers passed over when nothing complied by their violations, not as compliant", () => {
    const engine = new RoutingEngine({ seed: 4 });
    const { provider_id, metadata } = engine.decide({
      context,
      providers: market(3),
      constraints: { max_price: 0.1 },
      explain: true,
    });
    expect(provider_id).not.toBeNull();
    for (const explained of [metadata.candidates!, engine.getDecision(metadata.decision_id)!.candidates]) {
      const passedOver = explained.filter((c) => c.status === "ranked_lower");
      expect(passedOver).toHaveLength(2);
      for (const c of passedOver) {
        expect(c.violations).toEqual(["price_exceeded"]);
        expect(c.reason).toBe(
          "violates price_exceeded; nothing complied, so the policy ranked the violating providers and preferred another",
        );
      }
    }
  });
});

describe("DecisionArchive", () => {
  it("finds exactly the last `capacity` decisions by id, the newest of a repeated id, whatever the ids", () => {
    const id = fc.oneof(
      fc.integer({ min: 0, max: 200 }).map((i) => `d${i}`),
      fc.constantFrom("__proto__", "constructor", ""),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 150 }), fc.array(id, { maxLength: 500 }), (capacity, ids) => {
        const archive = new DecisionArchive(capacity);
        for (const [i, decisionId] of ids.entries()) archive.add(archived(decisionId, `m${i}`));
        const kept = ids.map((decisionId, i) => [decisionId, `m${i}`] as const).slice(-capacity);
        const newest = new Map(kept);
        for (const decisionId of new Set([...ids, "never"])) {
          expect(archive.get(decisionId)?.mode).toBe(newest.get(decisionId));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("finds the newer of a repeated id added just as the columns grow", () => {
    // The columns grow at the 65th decision: the index is rebuilt from the kept slots then, and
    // the older decision with the repeated id must not come back into it.
    for (const capacity of [65, 200]) {
      const archive = new DecisionArchive(capacity);
      for (let i = 0; i < 63; i++) archive.add(archived(`x${i}`, `m${i}`));
      archive.add(archived("d", "older"));
      archive.add(archived("d", "newer"));
      expect(archive.get("d")?.mode).toBe("newer");
      expect(archive.get("x0")?.mode).toBe("m0");
    }
  });

  it("gives back each field as added, the context rebuilt from the state key and gpu_hours", () => {
    const archive = new DecisionArchive(4);
    const decision = {
      ...archived("d1"),
      at: Date.UTC(2025, 0, 2, 3, 4, 5, 6),
      probability: null,
      epsilon: 0.05,
      model_version: 7,
    };
    archive.add({ ...decision, context: { ...context, gpu_hours: 2.5 }, state_key: "llm_inference:a100:us-west" });
    const outcome = { decision_id: "d1", success: true, actual_cost_usd: 3, actual_latency_ms: 90 };
    archive.attachOutcome("d1", outcome, 6.5, "p1");
    archive.attachSettlement("d1", "expired", null, Date.UTC(2025, 0, 3));
    expect(archive.get("d1")).toEqual({
      decision_id: "d1",
      timestamp: "2025-01-02T03:04:05.006Z",
      state_key: "llm_inference:a100:us-west",
      request: {
        context: { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2.5 },
        constraints: null,
      },
      candidates: [
        { provider_id: "p0", estimate: 1, violations: [], status: "chosen", reason: "chosen (exploit)" },
        {
          provider_id: "p1",
          estimate: 0,
          violations: [],
          status: "ranked_lower",
          reason: "compliant, but the policy preferred another provider",
        },
      ],
      provider_id: "p0",
      mode: "exploit",
      probability: null,
      epsilon: 0.05,
      policy: "q-learning",
      model_version: 7,
      reason: null,
      outcome: { ...outcome, provider_id: "p1", reward: 6.5, fallback: true },
      settled: { reason: "expired", reward: null, at: "2025-01-03T00:00:00.000Z" },
    });
  });

  it("explains each kept decision exactly as it explained it at decision time, whatever the partitions in a row", () => {
    const violations = fc.subarray([...VIOLATION_TYPES] as ViolationType[], { minLength: 1 });
    const partitionSpec = fc.record({
      compliant: fc.nat(3),
      violating: fc.array(violations, { maxLength: 3 }),
      rules: fc.array(fc.constantFrom("denied" as const, "not_allowed" as const), { maxLength: 2 }),
      explore: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(partitionSpec, fc.constant("again" as const)), { minLength: 1, maxLength: 12 }), (specs) => {
        const archive = new DecisionArchive(8);
        const decisions: ArchivedDecision[] = [];
        for (const [n, spec] of specs.entries()) {
          const last = decisions[decisions.length - 1];
          if (spec === "again") {
            if (last !== undefined) decisions.push({ ...last, decision_id: `d${n}` });
            continue;
          }
          const { compliant, violating, rules, explore } = spec;
          const providers = market(compliant + violating.length + rules.length) as Provider[];
          const partition = {
            compliant: providers.slice(0, compliant),
            violating: violating.map((v, i) => ({ provider: providers[compliant + i] as Provider, violations: v })),
            excluded: rules.map((rule, i) => ({ provider: providers[compliant + violating.length + i] as Provider, rule })),
          };
          const usedCompliant = compliant > 0;
          const chosenList = usedCompliant ? compliant : violating.length;
          decisions.push({
            ...archived(`d${n}`, explore ? "explore" : "exploit"),
            partition,
            usedCompliant,
            chosenIndex: chosenList > 0 ? chosenList - 1 : -1,
            estimates: chosenList > 0 ? Array.from({ length: chosenList }, (_, i) => i / 2) : null,
            provider_id:
              chosenList > 0
                ? (usedCompliant ? providers[compliant - 1] : providers[compliant + violating.length - 1])!.provider_id
                : null,
          });
        }
        for (const decision of decisions) archive.add(decision);
        for (const decision of decisions.slice(-8)) {
          expect(archive.get(decision.decision_id)?.candidates).toEqual(explainCandidates(decision));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps each decision's estimates exactly, through many chunks of them and lists of any length", () => {
    const archive = new DecisionArchive(300);
    const estimatesOf = (i: number) => (i % 7 === 0 ? null : Array.from({ length: (i * 37) % 3000 }, (_, k) => i + k / 1000));
    for (let i = 0; i < 2_000; i++) archive.add({ ...archived(`d${i}`), estimates: estimatesOf(i) });
    for (let i = 1_700; i < 2_000; i++) {
      const estimates = estimatesOf(i);
      const explained = archive.get(`d${i}`)?.candidates.map((c) => c.estimate);
      expect(explained).toEqual([0, 1].map((k) => (estimates === null ? null : (estimates[k] ?? null))));
    }
    expect(archive.get("d1699")).toBeUndefined();
  });

  it("keeps nothing with capacity 0", () => {
    const archive = new DecisionArchive(0);
    archive.add(archived("d1"));
    expect(archive.get("d1")).toBeUndefined();
    expect(archive.size).toBe(0);
  });
});
