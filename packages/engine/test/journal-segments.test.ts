import {
  closeSync,
  cpSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuplicateFeedbackError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { forgetHold } from "../src/file-lock.js";
import { FileStore, fileStorePaths } from "../src/file-store.js";
import { listSegments, segmentName } from "../src/journal.js";
import { RoutingEngine } from "../src/routing-engine.js";
import { FeedbackNotDurableError } from "../src/store-errors.js";
import { context, market } from "./market.js";

const quiet = () => {};
const outcome = (decision_id: string) => ({ decision_id, success: true, actual_cost_usd: 2, actual_latency_ms: 90 });

/** Decides and feeds back `n` decisions on `engine`; returns their ids, every feedback acknowledged. */
async function fedBack(engine: RoutingEngine, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = engine.decide({ context, providers: market(3) }).metadata.decision_id;
    await engine.feedback(outcome(id));
    ids.push(id);
  }
  return ids;
}

describe("the journal's segments", () => {
  it("go on in the segment they have when the next cannot be opened, losing nothing acknowledged", async () => {
    // The old segment's descriptor was queued for closing before the next was opened: when the
    // open failed, the writer went on with a closed descriptor, whose number the next file opened
    // in the process took. Journal records went into that file, fsync'd, acknowledged and lost.
    const dir = mkdtempSync(join(tmpdir(), "aurora-journal-"));
    const modelPath = join(dir, "model.json");
    const engine = new RoutingEngine({ modelPath, seed: 1, saveEvery: 1_000_000, log: quiet });
    const before = await fedBack(engine, 5);
    const { journal } = fileStorePaths(modelPath);
    const next = join(journal, segmentName(Math.max(...listSegments(journal)) + 1));
    mkdirSync(next); // the next segment's name is taken: it cannot be opened
    await expect(engine.save()).rejects.toThrow();
    const other = join(dir, "app.log");
    const otherFd = openSync(other, "a"); // would take a descriptor number the journal let go
    const during = await fedBack(engine, 5);
    rmSync(next, { recursive: true });
    await engine.save();
    const after = await fedBack(engine, 5);
    closeSync(otherFd);
    expect(readFileSync(other, "utf8")).toBe("");
    forgetHold(modelPath); // as a crash would
    const restarted = new RoutingEngine({ modelPath, seed: 2, log: quiet });
    for (const id of [...before, ...during, ...after]) {
      await expect(restarted.feedback(outcome(id))).rejects.toBeInstanceOf(DuplicateFeedbackError);
    }
    await restarted.close();
  });

  it("acknowledge nothing once the segment being written is replaced by another file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-journal-"));
    const modelPath = join(dir, "model.json");
    const engine = new RoutingEngine({ modelPath, seed: 1, log: quiet });
    await fedBack(engine, 2);
    const { journal } = fileStorePaths(modelPath);
    const segment = join(journal, segmentName(Math.max(...listSegments(journal))));
    linkSync(segment, join(dir, "kept-elsewhere.log")); // its inode keeps a name: not unlinked
    writeFileSync(join(dir, "replacement.log"), "");
    renameSync(join(dir, "replacement.log"), segment);
    const id = engine.decide({ context, providers: market(3) }).metadata.decision_id;
    await expect(engine.feedback(outcome(id))).rejects.toBeInstanceOf(FeedbackNotDurableError);
    expect(engine.getStatus().store?.ready).toBe(false);
    forgetHold(modelPath);
  });

  it("acknowledge nothing once the model's folder, behind a symbolic link, is repointed elsewhere", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-journal-"));
    mkdirSync(join(dir, "a"));
    symlinkSync(join(dir, "a"), join(dir, "current"));
    const modelPath = join(dir, "current", "model.json");
    const engine = new RoutingEngine({ modelPath, seed: 1, log: quiet });
    await fedBack(engine, 2);
    cpSync(join(dir, "a"), join(dir, "b"), { recursive: true });
    rmSync(join(dir, "current"));
    symlinkSync(join(dir, "b"), join(dir, "current"));
    const id = engine.decide({ context, providers: market(3) }).metadata.decision_id;
    await expect(engine.feedback(outcome(id))).rejects.toBeInstanceOf(FeedbackNotDurableError);
    forgetHold(modelPath);
  });

  it("roll the audit trail over across restarts, not only within one run", async () => {
    // A segment reopened after a restart started its count at 0: it grew by a run's worth each
    // restart and never rolled over, until reading it back exceeded the longest string V8 makes.
    const dir = mkdtempSync(join(tmpdir(), "aurora-journal-"));
    const modelPath = join(dir, "model.json");
    const limit = 4_000;
    for (let run = 0; run < 6; run++) {
      const engine = new RoutingEngine({
        store: new FileStore({ path: modelPath, auditSegmentBytes: limit, log: quiet }),
        seed: run + 1,
        log: quiet,
      });
      for (let i = 0; i < 6; i++) engine.decide({ context, providers: market(3) }); // fewer bytes than the limit
      await engine.close();
    }
    const { audit } = fileStorePaths(modelPath);
    const sizes = readdirSync(audit).map((name) => statSync(join(audit, name)).size);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(3 * limit);
    // A segment passes the limit by at most the record that took it there.
    expect(Math.max(...sizes)).toBeLessThan(limit + total / 36);
  });
  it("keep deciding when the audit trail's next segment cannot be opened, and roll over once it can", async () => {
    // The failed rotation threw out of decide(); with the old rotation, every decide after it did.
    const dir = mkdtempSync(join(tmpdir(), "aurora-journal-"));
    const modelPath = join(dir, "model.json");
    const logged: string[] = [];
    const engine = new RoutingEngine({
      store: new FileStore({ path: modelPath, auditSegmentBytes: 2_000, log: (m) => logged.push(m) }),
      seed: 1,
      log: quiet,
    });
    const { audit } = fileStorePaths(modelPath);
    const blocked = join(audit, segmentName(2));
    mkdirSync(blocked, { recursive: true });
    for (let i = 0; i < 20; i++) engine.decide({ context, providers: market(3) });
    expect(logged.filter((m) => m.includes("audit trail could not start a new segment"))).toHaveLength(1);
    rmSync(blocked, { recursive: true });
    for (let i = 0; i < 20; i++) engine.decide({ context, providers: market(3) });
    await engine.close();
    expect(readdirSync(audit).length).toBeGreaterThan(1);
    const restarted = new RoutingEngine({ modelPath, seed: 2, log: quiet });
    expect(restarted.getAuditTrail({ limit: 100 })).toHaveLength(40);
    await restarted.close();
  });
  it("are read by an engine that does not journal, and not replayed twice after its explicit save", async () => {
    // With autoSave: false the store neither wrote nor read the journal: an engine opened so on a
    // folder a journaling run left started from the snapshot alone, without the feedback after it.
    const dir = mkdtempSync(join(tmpdir(), "aurora-journal-"));
    const modelPath = join(dir, "model.json");
    const journaling = new RoutingEngine({ modelPath, seed: 1, saveEvery: 1_000_000, log: quiet });
    const ids = await fedBack(journaling, 8);
    forgetHold(modelPath); // as a crash would: the feedback is only in the journal
    const reading = new RoutingEngine({ modelPath, seed: 2, autoSave: false, log: quiet });
    expect(reading.getStatus().strategist.total_rewards).toBe(8);
    await expect(reading.feedback(outcome(ids[0] as string))).rejects.toBeInstanceOf(DuplicateFeedbackError);
    await reading.save();
    await reading.close();
    const again = new RoutingEngine({ modelPath, seed: 3, log: quiet });
    expect(again.getStatus().strategist.total_rewards).toBe(8);
    for (const id of ids) await expect(again.feedback(outcome(id))).rejects.toBeInstanceOf(DuplicateFeedbackError);
    await fedBack(again, 2);
    await again.close();
    const last = new RoutingEngine({ modelPath, seed: 4, log: quiet });
    expect(last.getStatus().strategist.total_rewards).toBe(10);
    await last.close();
  });
  it("are found by their path after the process changes its working directory under a relative modelPath", async () => {
    // The check of the segment being written looked its relative path up from the new working
    // directory, found nothing, and refused every feedback as if the journal had been deleted.
    const dir = mkdtempSync(join(tmpdir(), "aurora-journal-"));
    const elsewhere = mkdtempSync(join(tmpdir(), "aurora-journal-cwd-"));
    const cwd = process.cwd();
    process.chdir(dir);
    let engine: RoutingEngine | undefined;
    try {
      engine = new RoutingEngine({ modelPath: "model.json", seed: 1, log: quiet });
      await fedBack(engine, 1);
      process.chdir(elsewhere);
      await fedBack(engine, 3);
      expect(engine.getStatus().store?.ready).toBe(true);
      await engine.close();
    } finally {
      process.chdir(cwd);
    }
  });
});
