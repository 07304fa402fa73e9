import type { ProviderInput } from "@aurora/domain";
import { afterAll, describe, expect, it } from "vitest";
import type { EngineStore } from "./engine-store.js";
import { verifyReceiptChain } from "./receipt.js";
import { type EngineEvent, RoutingEngine } from "./routing-engine.js";

/** How the contract suite gets stores: a fresh one, and the same storage opened again (a restart). */
export interface StoreHarness {
  create(): EngineStore | Promise<EngineStore>;
  reopen(previous: EngineStore): EngineStore | Promise<EngineStore>;
  cleanup?(): void | Promise<void>;
}

const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };

function provider(id: string, price: number): ProviderInput {
  return {
    provider_id: id,
    price_usd_per_hour: price,
    latency_ms: 100,
    reputation: 90,
    gpu_types: ["a100"],
    regions: ["us-west"],
  };
}

const market = [provider("akash", 1.2), provider("ionet", 1.5), provider("__proto__", 2), provider("vast", 0.9)];

function decisionEvent(id: string, createdAt: number): EngineEvent {
  const candidates = market.map((p) => ({ capacity_available: null, gpu_types: ["a100"], regions: ["us-west"], ...p }));
  return {
    type: "decision",
    record: {
      decision_id: id,
      state_key: "llm_inference:a100:us-west",
      provider_id: "ionet",
      context,
      provider: candidates[1]!,
      alternatives: [candidates[3]!, candidates[0]!],
      metadata: { mode: "explore", psi_density: 0.4, policy: "q-learning" },
      created_at: createdAt,
    },
    candidates,
  } as EngineEvent;
}

const outcomeEvent = (id: string, at: number): EngineEvent => ({
  type: "outcome",
  decision_id: id,
  outcome: { decision_id: id, success: true, actual_cost_usd: 3, actual_latency_ms: 110, actual_reputation: 92 },
  provider_id: "ionet",
  reward: 6.86,
  before: 0,
  after: 0.686,
  at,
});

const settledEvent = (id: string, at: number): EngineEvent => ({
  type: "settled",
  decision_id: id,
  reason: "expired",
  reward: null,
  at,
});

/**
 * The behaviour every `EngineStore` promises, as one vitest suite: call it from a test file of
 * the store's package with a harness that makes stores of that kind.
 */
export function describeEngineStoreContract(name: string, harness: StoreHarness): void {
  describe(`${name} (EngineStore contract)`, () => {
    afterAll(async () => {
      await harness.cleanup?.();
    });

    it("opens empty: no snapshot, no events", async () => {
      const store = await harness.create();
      const recovered = await store.open();
      expect(recovered.snapshot).toBeUndefined();
      expect([...recovered.events]).toEqual([]);
      expect(store.status()).toMatchObject({ kind: store.kind, ready: true, snapshot_version: null });
      await store.close();
    });

    it("gives back every appended event, in order and unchanged, after a restart", async () => {
      const store = await harness.create();
      await store.open();
      const events = [
        decisionEvent("d1", 1_000),
        decisionEvent("d2", 1_001),
        outcomeEvent("d1", 1_500),
        settledEvent("d2", 2_000),
      ];
      await Promise.all(events.map((event) => store.append(event)));
      await store.close();
      const again = await harness.reopen(store);
      expect([...(await again.open()).events]).toEqual(events);
      await again.close();
    });

    it("replays only the events after the snapshot's cut, and returns the snapshot taken at the cut", async () => {
      const store = await harness.create();
      await store.open();
      await store.append(decisionEvent("before", 1));
      const receipt = await store.snapshot(() => ({ marker: "at the cut", pending: [] }));
      await store.append(decisionEvent("after", 2));
      await store.close();
      const again = await harness.reopen(store);
      const recovered = await again.open();
      expect(recovered.snapshot).toMatchObject({ marker: "at the cut" });
      expect([...recovered.events].map((e) => (e.type === "decision" ? e.record.decision_id : e.decision_id))).toEqual(["after"]);
      expect(recovered.receipt).toEqual(receipt);
      await again.close();
    });

    it("gives each snapshot a receipt chained to the one before", async () => {
      const store = await harness.create();
      await store.open();
      const first = await store.snapshot(() => ({ n: 1 }));
      const second = await store.snapshot(() => ({ n: 2 }));
      expect(first.version).toBe(1);
      expect(second.version).toBe(2);
      expect(second.prev).toBe(first.hash);
      expect(second.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(verifyReceiptChain([first, second])).toBeNull();
      expect(store.status().snapshot_version).toBe(2);
      await store.close();
    });

    it("restarts an engine with the exact model and its pending decisions, from events alone", async () => {
      const store = await harness.create();
      const first = await RoutingEngine.open({ store, seed: 7, autoSave: false, policy: { kind: "q-learning", epsilon: 0.3 } });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push(first.decide({ context, providers: market }).metadata.decision_id);
      for (let i = 0; i < 25; i++) {
        await first.feedback({
          decision_id: ids[i]!,
          success: i % 4 !== 0,
          actual_cost_usd: 2 + (i % 3),
          actual_latency_ms: 90 + i,
        });
      }
      const model = first.policy.toJSON();
      const { executor } = first.getStatus();
      await first.close();

      const second = await RoutingEngine.open({
        store: await harness.reopen(store),
        seed: 7,
        autoSave: false,
        policy: { kind: "q-learning", epsilon: 0.3 },
      });
      expect(second.policy.toJSON()).toEqual(model);
      expect(second.getStatus().executor.pending_feedback).toBe(15);
      // The status counters are counted again from the events: 40 decisions (each audited), 25 outcomes.
      expect(second.getStatus().executor).toEqual(executor);
      expect(second.getStatus().executor).toMatchObject({ total_decisions: 40, total_outcomes: 25 });
      expect(second.getStatus().auditor.total_entries).toBe(40);
      await expect(
        second.feedback({ decision_id: ids[30]!, success: true, actual_cost_usd: 2, actual_latency_ms: 95 }),
      ).resolves.toBeTypeOf("number");
      await expect(
        second.feedback({ decision_id: ids[3]!, success: true, actual_cost_usd: 2, actual_latency_ms: 95 }),
      ).rejects.toThrow();
      await second.close();
    });

    it("gives back its newest audit records, oldest first, and a restarted engine its audit trail (stores with recentAudit)", async () => {
      const store = await harness.create();
      if (typeof store.recentAudit !== "function") return; // a shared store: each replica's in-memory trail is its own
      const first = await RoutingEngine.open({ store, seed: 3 });
      for (let i = 0; i < 12; i++) {
        first.decide({ context, providers: market, ...(i % 3 === 0 ? { constraints: { max_price: 0.5 } } : {}) });
      }
      const trail = first.getAuditTrail({ limit: Number.POSITIVE_INFINITY });
      expect(trail.filter((entry) => entry.status === "flagged")).toHaveLength(4);
      await first.close();

      const again = await harness.reopen(store);
      await again.open();
      const newest = await again.recentAudit?.(3);
      expect(newest).toEqual(
        trail
          .slice(0, 3)
          .reverse()
          .map((entry) => ({ kind: "entry", entry })),
      );
      expect(await again.recentAudit?.(100)).toHaveLength(12);
      await again.close();
      const second = await RoutingEngine.open({ store: await harness.reopen(again), seed: 3 });
      expect(second.getAuditTrail({ limit: Number.POSITIVE_INFINITY })).toEqual(trail);
      expect(second.getAuditTrail({ decisionId: trail[5]!.decision_id })).toEqual([trail[5]]);
      await second.close();
    });

    it("restarts from a snapshot plus the events after it to the same model as from events alone", async () => {
      const store = await harness.create();
      const first = await RoutingEngine.open({ store, seed: 9, autoSave: false });
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push(first.decide({ context, providers: market }).metadata.decision_id);
      for (let i = 0; i < 10; i++)
        await first.feedback({ decision_id: ids[i]!, success: true, actual_cost_usd: 1 + i, actual_latency_ms: 100 });
      await first.save();
      for (let i = 10; i < 20; i++)
        await first.feedback({ decision_id: ids[i]!, success: false, actual_cost_usd: 0, actual_latency_ms: 100 });
      const model = first.policy.toJSON();
      const { executor, auditor } = first.getStatus();
      await first.close();

      const second = await RoutingEngine.open({ store: await harness.reopen(store), seed: 9, autoSave: false });
      expect(second.policy.toJSON()).toEqual(model);
      expect(second.getStatus().executor.pending_feedback).toBe(10);
      // The status counters: the snapshot's, plus the 10 outcomes after it.
      expect(second.getStatus().executor).toEqual(executor);
      expect(second.getStatus().executor).toMatchObject({ total_decisions: 30, total_outcomes: 20, success_rate: 0.5 });
      expect(second.getStatus().auditor.total_entries).toBe(auditor.total_entries);
      await second.close();
    });
  });
}
