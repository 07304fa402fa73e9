import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import type { AuditRecord } from "./engine-store.js";
import { forgetHold } from "./file-lock.js";
import { FileStore, fileStorePaths } from "./file-store.js";
import { listSegments, segmentName } from "./journal.js";
import { MemoryStore } from "./memory-store.js";
import { RoutingEngine } from "./routing-engine.js";

const dirs: string[] = [];
const modelIn = () => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-audit-restart-"));
  dirs.push(dir);
  return join(dir, "model.json");
};
const quiet = () => {};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `n` decisions on a one-provider market: every third with a price cap nothing meets (flagged,
 * `price_exceeded`), every seventh denying the provider (rejected, nothing routed), the rest
 * approved; then a failed outcome for each routed one, so the provider is flagged as
 * underperforming once it has 20 outcomes. Returns the decision ids, oldest first.
 */
async function traffic(engine: RoutingEngine, n: number, feedback = true): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const constraints = i % 7 === 6 ? { deny: ["p0"] } : i % 3 === 0 ? { max_price: 0.5 } : undefined;
    const { metadata } = engine.decide({ context, providers: market(1), ...(constraints ? { constraints } : {}) });
    ids.push(metadata.decision_id);
  }
  if (feedback) {
    for (const id of ids.filter((id) => !id.startsWith("none-"))) {
      await engine.feedback({ decision_id: id, success: false, actual_cost_usd: 1, actual_latency_ms: 100 });
    }
  }
  return ids;
}

/** What the audit trail and anomalies read as now. */
function audit(engine: RoutingEngine, ids: readonly string[]) {
  return {
    all: engine.getAuditTrail({ limit: Infinity }),
    newest: engine.getAuditTrail({ limit: 7 }),
    byDecision: ids.map((decisionId) => engine.getAuditTrail({ decisionId })),
    anomalies: engine.getAnomalies({ limit: Infinity }),
    counts: engine.getStatus().auditor,
  };
}

describe("the audit trail after a restart", () => {
  afterAll(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("reads as before a clean restart, with new RoutingEngine and with RoutingEngine.open", async () => {
    const modelPath = modelIn();
    const first = new RoutingEngine({ modelPath, seed: 5, log: quiet });
    const ids = await traffic(first, 40);
    const before = audit(first, ids);
    expect(before.all).toHaveLength(40);
    expect(new Set(before.all.map((e) => e.status))).toEqual(new Set(["approved", "flagged", "rejected"]));
    expect(before.all.some((e) => e.violations.includes("price_exceeded"))).toBe(true);
    expect(before.anomalies.map((a) => a.kind)).toContain("underperforming_provider");
    await first.close();

    const second = new RoutingEngine({ modelPath, seed: 5, log: quiet });
    expect(audit(second, ids)).toEqual(before);
    await second.close();
    const third = await RoutingEngine.open({ modelPath, seed: 5, log: quiet });
    expect(audit(third, ids)).toEqual(before);
    // New entries follow the restored ones; each decision's entry is there once.
    const [next] = await traffic(third, 1, false);
    expect(third.getAuditTrail({ limit: 2 }).map((e) => e.decision_id)).toEqual([next, ids[39]]);
    expect(third.getAuditTrail({ limit: Infinity })).toHaveLength(41);
    await third.close();
  });

  it("holds the journal's decisions after the snapshot once, in order, after a kill -9", async () => {
    const modelPath = modelIn();
    const first = new RoutingEngine({ modelPath, seed: 5, saveEvery: 1_000_000, log: quiet });
    const ids = await traffic(first, 12);
    await first.save(); // the counts of these 12 are in the snapshot
    ids.push(...(await traffic(first, 9))); // these only in the journal (and the audit trail)
    await sleep(600); // the audit trail is written every 200 ms
    const before = audit(first, ids);
    expect(before.all).toHaveLength(21);

    // `first` is left as a kill -9 leaves it: not closed, no final snapshot.
    forgetHold(modelPath);
    const restarted = new RoutingEngine({ modelPath, seed: 5, log: quiet });
    // (The counts are not compared: the refusal among the 9 made no decision, so the journal cannot recount it.)
    expect({ ...audit(restarted, ids), counts: undefined }).toEqual({ ...before, counts: undefined });
    const restored = restarted.getAuditTrail({ limit: Infinity }).map((e) => e.decision_id);
    expect(restored).toEqual([...ids].reverse());
    await restarted.close();
    await first.close().catch(() => {});
  });

  it("keeps the newest entries, as many as maxAuditEntries, from the store's whole trail", async () => {
    const modelPath = modelIn();
    const first = new RoutingEngine({ modelPath, seed: 5, maxAuditEntries: 5, log: quiet });
    const ids = await traffic(first, 12, false);
    const held = first.getAuditTrail({ limit: Infinity });
    expect(held.map((e) => e.decision_id)).toEqual(ids.slice(-5).reverse());
    await first.close();

    const same = new RoutingEngine({ modelPath, seed: 5, maxAuditEntries: 5, log: quiet });
    expect(same.getAuditTrail({ limit: Infinity })).toEqual(held);
    expect(same.getAuditTrail({ decisionId: ids[2]! })).toEqual([]); // older than the newest 5
    await same.close();
    // A larger ring is filled from the store, which kept every entry.
    const larger = new RoutingEngine({ modelPath, seed: 5, maxAuditEntries: 8, log: quiet });
    const eight = larger.getAuditTrail({ limit: Infinity });
    expect(eight.map((e) => e.decision_id)).toEqual(ids.slice(-8).reverse());
    expect(eight.slice(0, 5)).toEqual(held);
    await larger.close();
  });

  it("starts on an audit segment damaged in its middle, going on in a new segment with its sequence numbers", async () => {
    const modelPath = modelIn();
    const first = new RoutingEngine({ modelPath, seed: 5, log: quiet });
    await traffic(first, 12);
    await first.close();
    const dir = fileStorePaths(modelPath).audit;
    const segment = join(dir, segmentName(listSegments(dir).at(-1)!));
    const lines = readFileSync(segment, "utf8").split("\n");
    const lastSeq = JSON.parse(lines.at(-2)!.slice(lines.at(-2)!.indexOf(" ") + 1)).seq as number;
    lines[3] = `${lines[3]!.slice(0, -5)}XXXXX`; // a bad record with good ones after it: not a torn tail
    writeFileSync(segment, lines.join("\n"));

    const logs: string[] = [];
    const second = new RoutingEngine({ modelPath, seed: 5, log: (m) => logs.push(m) });
    expect(logs.join("\n")).toMatch(/is corrupt at byte .*the audit trail goes on in a new segment/);
    await traffic(second, 3);
    await second.close();
    const newest = join(dir, segmentName(listSegments(dir).at(-1)!));
    expect(newest).not.toBe(segment);
    const first_ = readFileSync(newest, "utf8").split("\n")[0]!;
    expect(JSON.parse(first_.slice(first_.indexOf(" ") + 1)).seq).toBe(lastSeq + 1);
  });

  it("reads rotated audit segments back from the newest", async () => {
    const modelPath = modelIn();
    const store = () => new FileStore({ path: modelPath, auditSegmentBytes: 700, log: quiet });
    const first = new RoutingEngine({ store: store(), seed: 5, log: quiet });
    const ids = await traffic(first, 30);
    const before = audit(first, ids);
    await first.close();
    const segments = listSegments(fileStorePaths(modelPath).audit);
    expect(segments.length).toBeGreaterThan(10);

    const second = new RoutingEngine({ store: store(), seed: 5, log: quiet });
    expect(audit(second, ids)).toEqual(before);
    await second.close();
    const small = new RoutingEngine({ store: store(), seed: 5, maxAuditEntries: 3, log: quiet });
    expect(small.getAuditTrail({ limit: Infinity })).toEqual(before.all.slice(0, 3));
    await small.close();
  });
});

describe("reading the audit trail back", () => {
  const entry = (decision_id: string) => ({
    timestamp: "2026-01-01T00:00:00.000Z",
    decision_id,
    state_key: "llm_inference:a100:us-west",
    provider_id: "p0",
    status: "approved",
    violations: [],
    notes: [],
  });

  it("starts with an empty trail, and says so, when the store holds a record that is not one", () => {
    const store = new MemoryStore();
    store.appendAudit({ kind: "entry", entry: entry("d1") } as AuditRecord);
    store.appendAudit({ kind: "entry", entry: { ...entry("d2"), status: "bogus" } } as unknown as AuditRecord);
    const logs: string[] = [];
    const engine = new RoutingEngine({ store, log: (message) => logs.push(message) });
    expect(engine.getAuditTrail()).toEqual([]);
    expect(logs.join("\n")).toMatch(
      /could not read back the memory store's audit trail .*status.*: the in-memory trail starts empty/,
    );
    expect(engine.decide({ context, providers: market(2) }).provider_id).not.toBeNull();
  });

  it("waits in RoutingEngine.open for a store that reads back asynchronously, and starts empty when that fails", async () => {
    // A MemoryStore whose recentAudit answers with a promise (an own property shadows the method).
    const answering = (store: MemoryStore, recentAudit: (limit: number) => Promise<AuditRecord[]>) =>
      Object.defineProperty(store, "recentAudit", { value: recentAudit });
    const later = new MemoryStore();
    later.appendAudit({ kind: "entry", entry: entry("d1") } as AuditRecord);
    const kept = MemoryStore.prototype.recentAudit.bind(later);
    answering(later, (limit) => new Promise((resolve) => setTimeout(() => resolve(kept(limit)), 20)));
    const engine = await RoutingEngine.open({ store: later, log: quiet });
    expect(engine.getAuditTrail().map((e) => e.decision_id)).toEqual(["d1"]);

    const logs: string[] = [];
    const failing = answering(new MemoryStore(), () => Promise.reject(new Error("connection refused")));
    const empty = await RoutingEngine.open({ store: failing, log: (message) => logs.push(message) });
    expect(empty.getAuditTrail()).toEqual([]);
    expect(logs.join("\n")).toMatch(/could not read back .*connection refused/);
  });
});

describe("FileStore.recentAudit", () => {
  afterAll(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A closed store whose audit trail holds `n` entries over several segments. */
  async function storeWithTrail(n: number) {
    const modelPath = modelIn();
    const store = new FileStore({ path: modelPath, auditSegmentBytes: 500, log: quiet });
    await store.open();
    const entry = (i: number) => ({
      timestamp: new Date(Date.UTC(2025, 5, 1, 12, 0, i)).toISOString(),
      decision_id: `d${i}`,
      state_key: "llm_inference:a100:us-west",
      provider_id: "p0",
      status: "approved" as const,
      violations: [],
      notes: [],
    });
    for (let i = 0; i < n; i++) store.appendAudit({ kind: "entry", entry: entry(i) });
    await store.close();
    return { modelPath, dir: fileStorePaths(modelPath).audit, ids: (from: number) => ids(from, n) };
  }
  const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `d${from + i}`);
  const idsOf = (records: { kind: string; entry?: { decision_id: string } }[]) => records.map((r) => r.entry?.decision_id);

  it("gives the newest records oldest first, reading back only as many segments as it needs", async () => {
    const { modelPath, dir, ids: from } = await storeWithTrail(20);
    const segments = listSegments(dir);
    expect(segments.length).toBeGreaterThan(4);
    // Damage the oldest segment in its middle: a walk that reached it would log it.
    const oldest = join(dir, segmentName(segments[0]!));
    const lines = readFileSync(oldest, "utf8").split("\n");
    writeFileSync(oldest, [lines[0], "00000000 {damaged}", ...lines.slice(1)].join("\n"));
    const logs: string[] = [];
    const store = new FileStore({ path: modelPath, log: (m) => logs.push(m) });
    await store.open();
    expect(idsOf(store.recentAudit(3))).toEqual(from(17));
    expect(idsOf(store.recentAudit(0))).toEqual([]);
    expect(logs).toEqual([]);
    // Asked for everything, it stops at the damage, says so, and gives what came after it.
    const all = store.recentAudit(Number.POSITIVE_INFINITY);
    expect(logs.join("\n")).toMatch(/corrupt.*not read back into memory/);
    expect(idsOf(all)).toEqual(from(20 - all.length));
    expect(all.length).toBeGreaterThan(10);
    await store.close();
  });

  it("reads the newest segment as open repaired it: a torn tail is left out", async () => {
    const { modelPath, dir, ids: from } = await storeWithTrail(6);
    const newest = join(dir, segmentName(listSegments(dir).at(-1)!));
    appendFileSync(newest, '1234abcd {"seq":'); // a write cut short by a kill -9
    const store = new FileStore({ path: modelPath, log: quiet });
    await store.open();
    expect(idsOf(store.recentAudit(100))).toEqual(from(0));
    await store.close();
  });
});
