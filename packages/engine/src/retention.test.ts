import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@aurora/domain";
import { afterEach, describe, expect, it, vi } from "vitest";
import { context, market, variedOutcome } from "../test/market.js";
import { FileStore, fileStorePaths } from "./file-store.js";
import { GENESIS_HASH } from "./hash-chain.js";
import { listSegments, readFramedFile, segmentName } from "./journal.js";
import { RoutingEngine } from "./routing-engine.js";
import { readAnchors } from "./store-anchors.js";
import { verifyFileStore } from "./verify-file-store.js";

const dirs: string[] = [];
const modelIn = () => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-retention-"));
  dirs.push(dir);
  return join(dir, "model.json");
};
const quiet = () => {};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const receiptsOf = (modelPath: string) =>
  readFramedFile(fileStorePaths(modelPath).receipts, { last: true, repair: false }).records as {
    version: number;
    prev: string;
  }[];

/** A store that took `count` snapshots, closed. */
async function snapshotted(modelPath: string, count: number, options: { keepReceipts?: number } = {}) {
  const store = new FileStore({ path: modelPath, log: quiet, ...options });
  store.openSync();
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) store.snapshotSync(() => ({ round: i }));
    else await store.snapshot(() => ({ round: i }));
  }
  await store.close();
}

/** An engine whose audit trail rolls over every ~2 KB (a decision's entry is ~300 bytes). */
function auditEngine(modelPath: string, auditRetention?: { maxBytes?: number; maxAgeMs?: number }) {
  const store = new FileStore({
    path: modelPath,
    log: quiet,
    auditSegmentBytes: 2_048,
    ...(auditRetention ? { auditRetention } : {}),
  });
  return new RoutingEngine({ store, seed: 5, saveEvery: 1_000_000, log: quiet });
}

async function decideAndLearn(engine: RoutingEngine, count: number) {
  for (let i = 0; i < count; i++) {
    const { metadata } = engine.decide({ context, providers: market(3) });
    await engine.feedback(variedOutcome(metadata.decision_id, i));
  }
}

/** A model whose audit trail holds `decisions` decisions' entries over many small segments, every one kept. */
async function auditedModel(decisions: number) {
  const modelPath = modelIn();
  const engine = auditEngine(modelPath);
  await decideAndLearn(engine, decisions);
  await engine.close();
  return modelPath;
}

const auditSegments = (modelPath: string) => listSegments(fileStorePaths(modelPath).audit);

describe("receipts pruning", () => {
  it("keeps the newest keepReceipts once the file holds twice as many, anchored so that verify accepts the cut", async () => {
    const modelPath = modelIn();
    await snapshotted(modelPath, 40, { keepReceipts: 16 });
    const receipts = receiptsOf(modelPath);
    // Pruned back to 16 when the 33rd was due, then 8 more.
    expect(receipts.map((r) => r.version)).toEqual(Array.from({ length: 24 }, (_, i) => 17 + i));
    expect(readAnchors(fileStorePaths(modelPath).anchors).receipts).toMatchObject({ version: 17, prev: receipts[0]?.prev });
    const report = verifyFileStore(modelPath);
    expect(report.broken).toBeNull();
    expect(report.notes).toContain(
      "receipts: 24 linked from version 17 (the older ones pruned, anchored at version 17), newest version 40",
    );
  });

  it("goes on from the pruned file after a restart: the chain continues and the model loads", async () => {
    const modelPath = modelIn();
    await snapshotted(modelPath, 40, { keepReceipts: 16 });
    await snapshotted(modelPath, 30, { keepReceipts: 16 });
    const receipts = receiptsOf(modelPath);
    expect(receipts.at(-1)?.version).toBe(70);
    expect(receipts.length).toBeLessThan(32);
    expect(verifyFileStore(modelPath).broken).toBeNull();
    const store = new FileStore({ path: modelPath, log: quiet });
    expect(store.openSync().snapshot).toMatchObject({ round: 29, model_version: 70 });
    await store.close();
  });

  it("prunes by default past 2,048 receipts, to the newest 1,024", async () => {
    const modelPath = modelIn();
    const store = new FileStore({ path: modelPath, log: quiet, journal: false });
    store.openSync();
    for (let i = 0; i < 2_049; i++) store.snapshotSync(() => ({ round: i }));
    await store.close();
    const receipts = receiptsOf(modelPath);
    expect(receipts[0]?.version).toBe(1_025);
    expect(receipts).toHaveLength(1_025);
  });

  it("names receipts removed without an anchor, and more removed than the anchor allows", async () => {
    const modelPath = modelIn();
    await snapshotted(modelPath, 5);
    const path = fileStorePaths(modelPath).receipts;
    const lines = readFileSync(path, "utf8").split("\n");
    writeFileSync(path, lines.slice(2).join("\n"));
    expect(verifyFileStore(modelPath).broken).toEqual({
      part: "receipts",
      reason: `receipt version 3 comes first, not version 1, and ${fileStorePaths(modelPath).anchors} names no pruning: the receipts before it were removed`,
    });

    const pruned = modelIn();
    await snapshotted(pruned, 40, { keepReceipts: 16 });
    const prunedPath = fileStorePaths(pruned).receipts;
    writeFileSync(prunedPath, readFileSync(prunedPath, "utf8").split("\n").slice(1).join("\n"));
    expect(verifyFileStore(pruned).broken?.reason).toBe(
      `receipt version 18 comes first, but ${fileStorePaths(pruned).anchors} says the store kept every receipt from version 17 on: the ones between were removed`,
    );
  });

  it("accepts the receipts a crash left between writing the anchor and rewriting the file, and names an anchor that does not match", async () => {
    const modelPath = modelIn();
    await snapshotted(modelPath, 10);
    const receipts = receiptsOf(modelPath);
    const anchors = fileStorePaths(modelPath).anchors;
    writeFileSync(
      anchors,
      JSON.stringify({ receipts: { version: 6, prev: receipts[5]?.prev, pruned_at: "2026-11-27T00:00:00Z" } }),
    );
    expect(verifyFileStore(modelPath).broken).toBeNull();
    writeFileSync(anchors, JSON.stringify({ receipts: { version: 6, prev: "a".repeat(64), pruned_at: "2026-11-27T00:00:00Z" } }));
    expect(verifyFileStore(modelPath).broken?.reason).toMatch(
      /^receipt version 6: prev [0-9a-f]{12}… is not the a{12}… .* recorded when the receipts before it were pruned$/,
    );
    writeFileSync(anchors, "{ not json");
    expect(verifyFileStore(modelPath).broken).toEqual({
      part: "anchors",
      reason: `${anchors} is not valid JSON (damaged or edited?)`,
    });
    writeFileSync(anchors, JSON.stringify({ audit: { segment: 2, seq: 1, prev: GENESIS_HASH, pruned_at: "x" } }));
    expect(verifyFileStore(modelPath).broken).toEqual({
      part: "anchors",
      reason: `${anchors} is not the anchors the store writes (audit.prev: is the genesis hash): damaged or edited?`,
    });
  });

  it("prunes nothing while the anchors file cannot be read, and says so", async () => {
    const modelPath = modelIn();
    await snapshotted(modelPath, 3);
    writeFileSync(fileStorePaths(modelPath).anchors, "garbage");
    const log: string[] = [];
    const store = new FileStore({ path: modelPath, log: (m) => log.push(m), keepReceipts: 16 });
    store.openSync();
    for (let i = 0; i < 40; i++) store.snapshotSync(() => ({ round: i }));
    await store.close();
    expect(receiptsOf(modelPath)).toHaveLength(43);
    expect(log.some((m) => m.includes("nothing will be pruned"))).toBe(true);
  });

  it("refuses a keepReceipts below 16, naming it", () => {
    expect(() => new FileStore({ path: modelIn(), keepReceipts: 3 })).toThrow(ValidationError);
    expect(() => new FileStore({ path: modelIn(), keepReceipts: 3 })).toThrow(
      /^options\.keepReceipts: must be a whole number ≥ 16/,
    );
  });
});

describe("the audit trail across a restart", () => {
  it("chains on from the segment before when the store stopped right after a rollover (it restarted at record 1)", async () => {
    const modelPath = modelIn();
    let engine = auditEngine(modelPath);
    // Decide until a decision's entry rolls the trail over: the newest segment is then empty.
    for (let i = 0; i < 100 && auditSegments(modelPath).length < 3; i++) engine.decide({ context, providers: market(3) });
    await engine.close();
    const segments = auditSegments(modelPath);
    const dir = fileStorePaths(modelPath).audit;
    expect(statSync(join(dir, segmentName(segments.at(-1) as number))).size).toBe(0);
    engine = auditEngine(modelPath);
    engine.decide({ context, providers: market(3) });
    await engine.close();
    const newest = readFramedFile(join(dir, segmentName(segments.at(-1) as number)), { last: true, repair: false }).records;
    expect(newest).toHaveLength(1);
    expect((newest[0] as { seq: number }).seq).toBeGreaterThan(1);
    expect(verifyFileStore(modelPath).broken).toBeNull();
  });
});

describe("audit retention", () => {
  it("removes the oldest segments past maxBytes, never the one being written, and verify follows the anchor", async () => {
    const modelPath = modelIn();
    const engine = auditEngine(modelPath, { maxBytes: 6_000 });
    await decideAndLearn(engine, 60);
    await engine.close();
    const segments = auditSegments(modelPath);
    expect(segments[0]).toBeGreaterThan(1);
    const dir = fileStorePaths(modelPath).audit;
    const bytes = segments.reduce((sum, segment) => sum + statSync(join(dir, segmentName(segment))).size, 0);
    // Each segment holds ≥ 2 KB; at a rollover the total is ≤ 6,000 plus the one that just closed.
    expect(bytes).toBeLessThanOrEqual(6_000 + 2_048 + 400);
    const anchor = readAnchors(fileStorePaths(modelPath).anchors).audit;
    expect(anchor?.segment).toBe(segments[0]);
    const first = readFramedFile(join(dir, segmentName(segments[0] as number)), { last: false, repair: false }).records[0] as {
      seq: number;
      prev: string;
    };
    expect(anchor).toMatchObject({ seq: first.seq, prev: first.prev });
    expect(first.seq).toBeGreaterThan(1);
    const report = verifyFileStore(modelPath);
    expect(report.broken).toBeNull();
    expect(report.notes.find((n) => n.startsWith("audit:"))).toMatch(
      /from \d{8}\.log \(older segments removed by retention, anchored at/,
    );
  });

  it("keeps every segment without retention", async () => {
    const modelPath = await auditedModel(60);
    const segments = auditSegments(modelPath);
    expect(segments[0]).toBe(1);
    expect(segments.length).toBeGreaterThan(5);
  });

  it("goes on after a restart: the trail chains on, the newest records read back, and verify holds", async () => {
    const modelPath = modelIn();
    let engine = auditEngine(modelPath, { maxBytes: 6_000 });
    await decideAndLearn(engine, 40);
    await engine.close();
    engine = auditEngine(modelPath, { maxBytes: 6_000 });
    expect(engine.getAuditTrail({ limit: 5 })).toHaveLength(5);
    await decideAndLearn(engine, 40);
    await engine.close();
    expect(verifyFileStore(modelPath).broken).toBeNull();
    expect(auditSegments(modelPath)[0]).toBeGreaterThan(3);
  });

  it("removes, when the store opens, segments whose last write is older than maxAgeMs", async () => {
    const modelPath = await auditedModel(30);
    const dir = fileStorePaths(modelPath).audit;
    const before = auditSegments(modelPath);
    const old = (Date.now() - 3 * 86_400_000) / 1000;
    for (const segment of before.slice(0, 3)) utimesSync(join(dir, segmentName(segment)), old, old);
    const engine = auditEngine(modelPath, { maxAgeMs: 86_400_000 });
    await engine.close();
    expect(auditSegments(modelPath)).toEqual(before.slice(3));
    expect(verifyFileStore(modelPath).broken).toBeNull();
  });

  it("may remove every closed segment: the anchor then names the next record to come", async () => {
    const modelPath = await auditedModel(30);
    const dir = fileStorePaths(modelPath).audit;
    const lastRecord = () => {
      const segments = auditSegments(modelPath);
      for (let i = segments.length - 1; i >= 0; i--) {
        const records = readFramedFile(join(dir, segmentName(segments[i] as number)), { last: true, repair: false }).records;
        if (records.length > 0) return records.at(-1) as { seq: number; hash: string };
      }
      return undefined;
    };
    const before = lastRecord();
    const engine = auditEngine(modelPath, { maxBytes: 1 });
    const segments = auditSegments(modelPath);
    expect(segments).toHaveLength(1);
    const first = readFramedFile(join(dir, segmentName(segments[0] as number)), { last: true, repair: false }).records[0] as
      | { seq: number; prev: string }
      | undefined;
    const anchor = readAnchors(fileStorePaths(modelPath).anchors).audit;
    expect(anchor?.segment).toBe(segments[0]);
    // The segment kept starts with its first record, or, empty, with the record the chain writes next.
    expect(anchor).toMatchObject(first ?? { seq: (before?.seq ?? 0) + 1, prev: before?.hash });
    engine.decide({ context, providers: market(3) });
    await engine.close();
    expect(verifyFileStore(modelPath).broken).toBeNull();
  });

  it("resumes the chain from the anchor when retention removed every segment that held records", async () => {
    const modelPath = modelIn();
    let engine = auditEngine(modelPath, { maxBytes: 1_000 });
    // Stop right after a rollover that removed every older segment: the one being written is empty.
    for (let i = 0, before = 1; i < 200; i++) {
      engine.decide({ context, providers: market(3) });
      const now = auditSegments(modelPath);
      if (now.length === 1 && (now[0] as number) > before) break;
      before = now.at(-1) as number;
    }
    await engine.close();
    const segments = auditSegments(modelPath);
    expect(segments).toHaveLength(1);
    const dir = fileStorePaths(modelPath).audit;
    expect(statSync(join(dir, segmentName(segments[0] as number))).size).toBe(0);
    const anchor = readAnchors(fileStorePaths(modelPath).anchors).audit;
    engine = auditEngine(modelPath, { maxBytes: 1_000 });
    engine.decide({ context, providers: market(3) });
    await engine.close();
    const first = readFramedFile(join(dir, segmentName(segments[0] as number)), { last: true, repair: false }).records[0] as {
      seq: number;
      prev: string;
    };
    expect(first).toMatchObject({ seq: anchor?.seq, prev: anchor?.prev });
    expect(first.seq).toBeGreaterThan(1);
    expect(verifyFileStore(modelPath).broken).toBeNull();
  });

  it("writes no anchor, and removes nothing, while the trail holds no record", () => {
    const modelPath = modelIn();
    const dir = fileStorePaths(modelPath).audit;
    mkdirSync(dir);
    for (const segment of [1, 2]) writeFileSync(join(dir, segmentName(segment)), "");
    const old = (Date.now() - 3 * 86_400_000) / 1000;
    utimesSync(join(dir, segmentName(1)), old, old);
    const store = new FileStore({ path: modelPath, log: quiet, auditRetention: { maxAgeMs: 86_400_000 } });
    store.openSync();
    expect(existsSync(fileStorePaths(modelPath).anchors)).toBe(false);
    expect(auditSegments(modelPath)).toEqual([1, 2]);
    store.abandon();
  });

  it("checks the trail's age once a minute, so an idle engine's segments age out too", async () => {
    const modelPath = await auditedModel(30);
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    try {
      const store = new FileStore({ path: modelPath, log: quiet, auditRetention: { maxAgeMs: 86_400_000 } });
      store.openSync();
      const before = auditSegments(modelPath);
      const old = (Date.now() - 3 * 86_400_000) / 1000;
      for (const segment of before.slice(0, 2)) utimesSync(join(fileStorePaths(modelPath).audit, segmentName(segment)), old, old);
      vi.advanceTimersByTime(59_000);
      expect(auditSegments(modelPath)).toEqual(before);
      vi.advanceTimersByTime(1_000);
      expect(auditSegments(modelPath)).toEqual(before.slice(2));
      await store.close();
    } finally {
      vi.useRealTimers();
    }
    expect(verifyFileStore(modelPath).broken).toBeNull();
  });

  it("removes the temporary files a process killed while rewriting the receipts or anchors left", async () => {
    const modelPath = modelIn();
    await snapshotted(modelPath, 2);
    const dir = join(modelPath, "..");
    for (const name of [".model.json.receipts.999999999.abcd1234.tmp", ".model.json.anchors.999999999.0f0f.tmp"])
      writeFileSync(join(dir, name), "x");
    const log: string[] = [];
    const store = new FileStore({ path: modelPath, log: (m) => log.push(m) });
    store.openSync();
    await store.close();
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(log.filter((m) => m.startsWith("removed "))).toHaveLength(2);
  });

  it("names segments removed without retention, or before the anchor's", async () => {
    const modelPath = await auditedModel(30);
    const paths = fileStorePaths(modelPath);
    rmSync(join(paths.audit, segmentName(1)));
    expect(verifyFileStore(modelPath).broken?.reason).toBe(
      `${join(paths.audit, segmentName(1))} is missing (${join(paths.audit, segmentName(2))} comes first), and ${paths.anchors} names no retention: the store removes audit segments only under auditRetention (deleted?)`,
    );
    writeFileSync(paths.anchors, JSON.stringify({ audit: { segment: 1, seq: 1, prev: "b".repeat(64), pruned_at: "x" } }));
    expect(verifyFileStore(modelPath).broken?.reason).toBe(
      `${join(paths.audit, segmentName(1))} is missing (${join(paths.audit, segmentName(2))} comes first), but ${paths.anchors} says retention kept every segment from it on (deleted?)`,
    );
  });

  it("accepts segments a crash left before the anchor's, and names an anchor that does not match its segment", async () => {
    const modelPath = await auditedModel(30);
    const paths = fileStorePaths(modelPath);
    const third = readFramedFile(join(paths.audit, segmentName(3)), { last: false, repair: false }).records[0] as {
      seq: number;
      prev: string;
    };
    writeFileSync(paths.anchors, JSON.stringify({ audit: { segment: 3, seq: third.seq, prev: third.prev, pruned_at: "x" } }));
    expect(verifyFileStore(modelPath).broken).toBeNull();
    writeFileSync(paths.anchors, JSON.stringify({ audit: { segment: 3, seq: third.seq + 1, prev: third.prev, pruned_at: "x" } }));
    expect(verifyFileStore(modelPath).broken?.reason).toBe(
      `audit record ${third.seq} comes first in ${join(paths.audit, segmentName(3))}, but ${paths.anchors} recorded record ${third.seq + 1} there when retention removed the segments before it`,
    );
    expect(third.prev).not.toBe(GENESIS_HASH);
  });

  it("refuses a bad retention through the engine and the store, naming the field", () => {
    expect(() => new RoutingEngine({ modelPath: modelIn(), auditRetention: { maxBytes: 0 } })).toThrow(
      /^options\.auditRetention\.maxBytes: must be ≥ 1/,
    );
    expect(() => new RoutingEngine({ modelPath: modelIn(), auditRetention: { maxDays: 3 } as never })).toThrow(
      /^options\.auditRetention/,
    );
    expect(() => new FileStore({ path: modelIn(), auditRetention: { maxAgeMs: -1 } })).toThrow(
      /^options\.auditRetention\.maxAgeMs: must be ≥ 1/,
    );
  });

  it("is applied through the engine's auditRetention option to its default file store", async () => {
    const modelPath = modelIn();
    const first = auditEngine(modelPath);
    await decideAndLearn(first, 30);
    await first.close();
    const segments = auditSegments(modelPath);
    const engine = new RoutingEngine({ modelPath, seed: 5, log: quiet, auditRetention: { maxBytes: 1 } });
    await engine.close();
    expect(auditSegments(modelPath)).toEqual([segments.at(-1)]);
    expect(verifyFileStore(modelPath).broken).toBeNull();
  });
});
