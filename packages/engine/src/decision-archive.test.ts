import { describe, expect, it } from "vitest";
import { ValidationError } from "@aurora/domain";
import { context, market } from "../test/market.js";
import { RoutingEngine } from "./routing-engine.js";

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
    for (const c of metadata.candidates!) if (c.status === "ranked_lower" || c.status === "chosen") expect(c.estimate).toBeTypeOf("number");
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
      engine.feedback({ decision_id: metadata.decision_id, provider_id: stranger, success: true, actual_cost_usd: 1, actual_latency_ms: 1 }),
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
    const { provider_id, metadata } = engine.decide({ context, providers: market(3), constraints: { max_price: 0.1 }, explain: true });
    expect(provider_id).toBeNull();
    expect(metadata.candidates?.every((c) => c.status === "violated_constraint")).toBe(true);
    expect(engine.getDecision(metadata.decision_id)?.reason).toMatch(/strict audit/);
  });
});
