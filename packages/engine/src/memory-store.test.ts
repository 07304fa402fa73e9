import { describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { verifyAuditChain } from "./audit-chain.js";
import { MemoryStore } from "./memory-store.js";
import { RoutingEngine } from "./routing-engine.js";
import { describeEngineStoreContract } from "./store-contract.js";
import { FeedbackNotDurableError } from "./store-errors.js";

describeEngineStoreContract("MemoryStore", { create: () => new MemoryStore(), reopen: (store) => store });

describe("MemoryStore", () => {
  it("refuses to acknowledge feedback it could not store, and says so in status", async () => {
    const store = new MemoryStore();
    const engine = await RoutingEngine.open({ store, seed: 1 });
    const { metadata } = engine.decide({ context, providers: market(3) });
    store.failWrites(new Error("disk full"));
    const feedback = engine.feedback({
      decision_id: metadata.decision_id,
      success: true,
      actual_cost_usd: 1,
      actual_latency_ms: 100,
    });
    await expect(feedback).rejects.toBeInstanceOf(FeedbackNotDurableError);
    await expect(feedback).rejects.toThrow(/disk full/);
    expect(engine.getStatus().store).toMatchObject({ kind: "memory", ready: false, last_error: "disk full" });
  });

  it("keeps the audit trail as a hash chain, one record per decision", async () => {
    const store = new MemoryStore();
    const engine = await RoutingEngine.open({ store, seed: 1 });
    for (let i = 0; i < 5; i++) engine.decide({ context, providers: market(3) });
    const records = store.auditRecords();
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(verifyAuditChain(records)).toBeNull();
    const tampered = JSON.parse(JSON.stringify(records));
    tampered[2].record.entry.provider_id = "evil";
    expect(verifyAuditChain(tampered)?.reason).toMatch(/^audit record 3: its hash does not match/);
  });
});
