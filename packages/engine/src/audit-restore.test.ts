import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEntry } from "@aurora/auditor";
import { afterAll, describe, expect, it } from "vitest";
import { ENGINE_INDEX, LINE_PROTOCOL, startChildScript } from "../test/child-script.js";
import { context, market } from "../test/market.js";
import { AuditChain, type ChainedAuditRecord } from "./audit-chain.js";
import { forgetHold } from "./file-lock.js";
import { FileStore, fileStorePaths } from "./file-store.js";
import { frameLine, listSegments, readFramedFile, segmentName } from "./journal.js";
import { RESTORED_NOTE } from "./journal-audit.js";
import { RoutingEngine } from "./routing-engine.js";
import { verifyFileStore } from "./verify-file-store.js";

const dirs: string[] = [];
const modelIn = () => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-audit-restore-"));
  dirs.push(dir);
  return join(dir, "model.json");
};
const quiet = () => {};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `n` decisions (every third flagged for its price, every seventh refused: nothing routed), then an outcome for each routed one. */
async function traffic(engine: RoutingEngine, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const constraints = i % 7 === 6 ? { deny: ["p0"] } : i % 3 === 0 ? { max_price: 0.5 } : undefined;
    ids.push(engine.decide({ context, providers: market(1), ...(constraints ? { constraints } : {}) }).metadata.decision_id);
  }
  for (const id of ids.filter((id) => !id.startsWith("none-"))) {
    await engine.feedback({ decision_id: id, success: true, actual_cost_usd: 1, actual_latency_ms: 100 });
  }
  return ids;
}

/** The audit head the snapshot in place recorded at its cut. */
function headOf(modelPath: string): { seq: number; hash: string } {
  const snapshot = JSON.parse(readFileSync(modelPath, "utf8")) as { audit_seq: number; audit_hash: string };
  return { seq: snapshot.audit_seq, hash: snapshot.audit_hash };
}

/** The newest audit segment's path and chained records. */
function newestSegment(modelPath: string): { path: string; records: ChainedAuditRecord[] } {
  const dir = fileStorePaths(modelPath).audit;
  const path = join(dir, segmentName(listSegments(dir).at(-1) as number));
  return { path, records: readFramedFile(path, { last: true, repair: false }).records as ChainedAuditRecord[] };
}

/** Every audit record in the segments on disk, oldest first. */
function trailOf(modelPath: string): ChainedAuditRecord[] {
  const dir = fileStorePaths(modelPath).audit;
  return listSegments(dir).flatMap(
    (segment) => readFramedFile(join(dir, segmentName(segment)), { last: true, repair: false }).records as ChainedAuditRecord[],
  );
}

/** Keeps the audit records up to `seq` only, as a crash leaves a trail whose last writes never happened. */
function cutTrailAfter(modelPath: string, seq: number): void {
  const dir = fileStorePaths(modelPath).audit;
  for (const segment of listSegments(dir)) {
    const path = join(dir, segmentName(segment));
    const records = readFramedFile(path, { last: true, repair: false }).records as ChainedAuditRecord[];
    const kept = records.filter((record) => record.seq <= seq);
    if (kept.length < records.length) writeFileSync(path, kept.map((record) => frameLine(JSON.stringify(record))).join(""));
  }
}

const entriesFor = (engine: RoutingEngine, id: string) => engine.getAuditTrail({ decisionId: id });

describe("audit entries the trail lost in a crash", () => {
  it("are written back from the journal at the next start, noted, in order, once", async () => {
    const modelPath = modelIn();
    const first = new RoutingEngine({ modelPath, seed: 5, saveEvery: 1_000_000, log: quiet });
    await traffic(first, 12);
    await first.save();
    const head = headOf(modelPath);
    expect(head.seq).toBe(12); // one entry per decision, refused ones included; no anomaly yet
    const after = await traffic(first, 9);
    await sleep(600); // the audit trail is written every 200 ms
    const before = first.getAuditTrail({ limit: Number.POSITIVE_INFINITY });
    // `first` is left as a kill -9 leaves it; the trail then loses what came after its head but two records.
    forgetHold(modelPath);
    cutTrailAfter(modelPath, head.seq + 2);
    const routed = after.filter((id) => !id.startsWith("none-"));
    const lost = routed.filter((id) => !after.slice(0, 2).includes(id));
    expect(lost.length).toBeGreaterThan(4);

    const found = verifyFileStore(modelPath);
    expect(found.ok).toBe(true);
    expect(found.notes.join("\n")).toContain(
      `audit: ${lost.length} decision(s) in the journal after the snapshot have no audit entry (the first ${lost[0]})`,
    );

    const logs: string[] = [];
    const restarted = new RoutingEngine({ modelPath, seed: 5, log: (message) => logs.push(message) });
    expect(logs.join("\n")).toContain(
      `restored ${lost.length} audit entries from the journal (the first for decision ${lost[0]})`,
    );
    const original = (id: string) => before.find((entry) => entry.decision_id === id) as AuditEntry;
    for (const id of routed) {
      const expected = lost.includes(id) ? { ...original(id), notes: [RESTORED_NOTE] } : original(id);
      expect(entriesFor(restarted, id)).toEqual([expected]);
    }
    // In the journal's order, after the two that were kept.
    const newest = restarted.getAuditTrail({ limit: lost.length }).map((entry) => entry.decision_id);
    expect(newest).toEqual([...lost].reverse());
    expect(verifyFileStore(modelPath).notes.join("\n")).not.toContain("have no audit entry");
    await restarted.close();

    // Restored once: a later start finds nothing missing.
    const again: string[] = [];
    const third = new RoutingEngine({ modelPath, seed: 5, log: (message) => again.push(message) });
    expect(again.join("\n")).not.toContain("restored");
    for (const id of routed) expect(entriesFor(third, id)).toHaveLength(1);
    await third.close();
    await first.close().catch(() => {});
  });

  it("are restored when retention removed the segment that held the snapshot's head", async () => {
    // The trail and the journal are written in one order: the entries lost are those of the
    // decisions after the last one with an entry in the kept trail.
    const modelPath = modelIn();
    const storeFor = (log: (message: string) => void) =>
      new FileStore({ path: modelPath, auditSegmentBytes: 2_000, auditRetention: { maxBytes: 6_000 }, log });
    const first = new RoutingEngine({ store: storeFor(quiet), seed: 5, saveEvery: 1_000_000, log: quiet });
    await traffic(first, 12);
    await first.save();
    const head = headOf(modelPath);
    const after = await traffic(first, 60);
    await sleep(600);
    forgetHold(modelPath);
    const records = trailOf(modelPath);
    expect(records[0]!.seq).toBeGreaterThan(head.seq + 1); // the head's segment is gone
    // The crash lost the newest three entries.
    const entries = records.filter((record) => record.record.kind === "entry");
    const lostFrom = entries.at(-3)!.seq;
    cutTrailAfter(modelPath, lostFrom - 1);
    const lost = entries.slice(-3).map((record) => (record.record as { entry: AuditEntry }).entry.decision_id);
    expect(lost.every((id) => after.includes(id))).toBe(true);

    const found = verifyFileStore(modelPath);
    expect(found.ok).toBe(true);
    expect(found.notes.join("\n")).toContain(
      `audit: 3 decision(s) in the journal after the snapshot have no audit entry (the first ${lost[0]})`,
    );
    const logs: string[] = [];
    const restarted = new RoutingEngine({ store: storeFor((m) => logs.push(m)), seed: 5, log: (m) => logs.push(m) });
    expect(logs.join("\n")).toContain(`restored 3 audit entries from the journal (the first for decision ${lost[0]})`);
    for (const id of lost) {
      expect(entriesFor(restarted, id).map((entry) => entry.notes)).toEqual([[RESTORED_NOTE]]);
    }
    await restarted.close();
    expect(verifyFileStore(modelPath).notes.join("\n")).not.toContain("have no audit entry");
    await first.close().catch(() => {});
  });

  it("are restored after a real kill -9 under steady traffic: every acknowledged decision has its entry", async () => {
    const modelPath = modelIn();
    const script = `${LINE_PROTOCOL}
const { RoutingEngine } = await import(${JSON.stringify(ENGINE_INDEX)});
const engine = new RoutingEngine({ modelPath: process.argv[1], seed: 3, log: () => {} });
const context = ${JSON.stringify(context)};
const providers = ${JSON.stringify(market(3))};
const pair = async () => {
  const { metadata } = engine.decide({ context, providers });
  await engine.feedback({ decision_id: metadata.decision_id, success: true, actual_cost_usd: 1, actual_latency_ms: 90 });
  return metadata.decision_id;
};
for (let i = 0; i < 20; i++) await pair();
await engine.save();
for (;;) say({ acked: await pair() });
`;
    const child = startChildScript(script, [modelPath]);
    const acked: string[] = [];
    try {
      while (acked.length < 300) acked.push((await child.next()).acked as string);
    } finally {
      await child.stop(); // SIGKILL: no close, no final snapshot, the audit trail's last 200 ms unwritten
    }
    expect(verifyFileStore(modelPath).ok).toBe(true);

    const restarted = new RoutingEngine({ modelPath, seed: 3, log: quiet });
    for (const id of acked) {
      const entries = entriesFor(restarted, id);
      expect(entries, id).toHaveLength(1);
      expect(entries[0]?.status).toBe("approved");
    }
    await restarted.close();
    const checked = verifyFileStore(modelPath);
    expect(checked.ok).toBe(true);
    expect(checked.notes.join("\n")).not.toContain("have no audit entry");
  });
});

describe("aurora-verify against the audit head a snapshot recorded", () => {
  /** A closed store with a snapshot cut after 8 decisions and 4 more after it. */
  async function storeWithHead(): Promise<{ modelPath: string; head: { seq: number; hash: string } }> {
    const modelPath = modelIn();
    const engine = new RoutingEngine({ modelPath, seed: 5, saveEvery: 1_000_000, log: quiet });
    await traffic(engine, 8);
    await engine.save();
    const head = headOf(modelPath);
    await traffic(engine, 4);
    await sleep(600);
    forgetHold(modelPath); // as a kill -9 leaves it: close() would take a snapshot of its own
    return { modelPath, head };
  }

  it("names a trail that ends before the head: its newest records were removed", async () => {
    const { modelPath, head } = await storeWithHead();
    expect(verifyFileStore(modelPath).ok).toBe(true);
    cutTrailAfter(modelPath, head.seq - 1);
    const report = verifyFileStore(modelPath);
    expect(report.broken?.part).toBe("audit");
    expect(report.broken?.reason).toContain(
      `the audit trail ends at record ${head.seq - 1}, but ${modelPath} (version 1) was cut after audit record ${head.seq}`,
    );
  });

  it("reads a folder a crash left during the first start (a journal, nothing in it, no audit segment yet) as intact", () => {
    const modelPath = modelIn();
    const paths = fileStorePaths(modelPath);
    mkdirSync(paths.journal);
    writeFileSync(join(paths.journal, segmentName(1)), "");
    const report = verifyFileStore(modelPath);
    expect(report.broken).toBeNull();
    expect(report.notes).toContain("audit: none yet (the journal holds nothing: the store stopped during its first start)");
    // With a record in the journal, a missing audit trail was removed.
    writeFileSync(join(paths.journal, segmentName(1)), frameLine('{"type":"settled"}'));
    expect(verifyFileStore(modelPath).broken?.reason).toMatch(/holds no audit segment, but the journal exists/);
  });

  it("names a trail rebuilt with other records: the head's hash differs", async () => {
    const { modelPath, head } = await storeWithHead();
    const { path, records } = newestSegment(modelPath);
    // A whole chain linked again, one entry changed: every link holds, but not the head.
    const chain = new AuditChain();
    const relinked = records.map((chained, i) => {
      const record = chained.record;
      if (i !== 2 || record.kind !== "entry") return chain.link(record);
      return chain.link({ kind: "entry", entry: { ...record.entry, provider_id: "someone-else" } });
    });
    writeFileSync(path, relinked.map((record) => frameLine(JSON.stringify(record))).join(""));
    const report = verifyFileStore(modelPath);
    expect(report.broken?.part).toBe("audit");
    expect(report.broken?.reason).toContain(`audit record ${head.seq}'s hash is not the one ${modelPath} recorded at its cut`);
  });
});
