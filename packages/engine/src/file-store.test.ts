import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuplicateFeedbackError, LateFeedbackError, ManualClock, UnknownDecisionError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { ENGINE_INDEX } from "../test/child-script.js";
import { context, market, variedOutcome } from "../test/market.js";
import { encodeEvent, JournalEventDecoder } from "./event-codec.js";
import { forgetHold, ModelLockedError, parseLockHolder } from "./file-lock.js";
import { FileStore, fileStorePaths } from "./file-store.js";
import { frameLine, JournalCorruptError, readJournal, segmentName } from "./journal.js";
import { ModelFileError } from "./model-file.js";
import { RoutingEngine } from "./routing-engine.js";
import { describeEngineStoreContract } from "./store-contract.js";
import { FeedbackNotDurableError } from "./store-errors.js";
import { verifyFileStore } from "./verify-file-store.js";

const tempDir = () => mkdtempSync(join(tmpdir(), "aurora-file-store-"));
const dirs: string[] = [];
const modelIn = (dir = tempDir()) => {
  dirs.push(dir);
  return join(dir, "model.json");
};
const quiet = () => {};

describeEngineStoreContract("FileStore", {
  create: () => new FileStore({ path: modelIn(), log: quiet }),
  reopen: (store) => new FileStore({ path: (store as FileStore).path, log: quiet }),
  cleanup: () => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  },
});

const outcome = variedOutcome;

/** Runs decisions and acknowledged feedback, then leaves the engine without closing it: what a kill -9 leaves. */
async function runAndAbandon(modelPath: string, decisions: number, feedbacks: number, extra: object = {}) {
  const engine = new RoutingEngine({ modelPath, seed: 3, saveEvery: 1_000_000, log: quiet, ...extra });
  const ids: string[] = [];
  for (let i = 0; i < decisions; i++) ids.push(engine.decide({ context, providers: market(5) }).metadata.decision_id);
  await Promise.all(ids.slice(0, feedbacks).map((id, i) => engine.feedback(outcome(id, i))));
  forgetHold(modelPath);
  return { engine, ids, model: engine.policy.toJSON() };
}

describe("FileStore", () => {
  describe("crash recovery", () => {
    it("says so when it loads a snapshot with no receipt: a model copied without the files beside it", async () => {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 3, log: quiet });
      engine.decide({ context, providers: market(3) });
      await engine.close();
      const copy = modelIn();
      copyFileSync(modelPath, copy);
      const lines: string[] = [];
      const copied = new RoutingEngine({ modelPath: copy, seed: 3, log: (line) => lines.push(line) });
      expect(copied.policy.toJSON()).toEqual(engine.policy.toJSON());
      expect(lines).toEqual([
        `the snapshot loaded (version 1) has no receipt in ${copy}.receipts (missing or empty): it was loaded as it is, its bytes unchecked; ` +
          "a copy of a model needs the files beside it (receipts, journal, audit trail), and aurora-verify reports this one as broken",
      ]);
      await copied.close();
      // The original, with its receipts, loads without a word.
      const again: string[] = [];
      await new RoutingEngine({ modelPath, seed: 3, log: (line) => again.push(line) }).close();
      expect(again).toEqual([]);
    });

    it("restores the exact model and pending decisions from the journal after an unclean stop", async () => {
      const modelPath = modelIn();
      const { ids, model } = await runAndAbandon(modelPath, 60, 35);
      const restarted = new RoutingEngine({ modelPath, seed: 3, log: quiet });
      expect(restarted.policy.toJSON()).toEqual(model);
      expect(restarted.getStatus().executor.pending_feedback).toBe(25);
      await expect(restarted.feedback(outcome(ids[50]!))).resolves.toBeTypeOf("number");
      await restarted.close();
    });

    it("restores from the snapshot plus the journal after it", async () => {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 4, saveEvery: 1_000_000, log: quiet });
      const ids = Array.from({ length: 40 }, () => engine.decide({ context, providers: market(4) }).metadata.decision_id);
      for (const [i, id] of ids.slice(0, 10).entries()) await engine.feedback(outcome(id, i));
      await engine.save();
      for (const [i, id] of ids.slice(10, 30).entries()) await engine.feedback(outcome(id, i));
      forgetHold(modelPath); // as a crash would
      const model = engine.policy.toJSON();
      const restarted = new RoutingEngine({ modelPath, seed: 4, log: quiet });
      expect(restarted.policy.toJSON()).toEqual(model);
      expect(restarted.getStatus().executor.pending_feedback).toBe(10);
      expect(restarted.getStatus().store?.snapshot_version).toBe(1);
      await restarted.close();
    });

    describe("status counters", () => {
      /** Decisions (every third with constraints no provider meets: flagged), feedback, and settlements by expiry. */
      async function traffic(engine: RoutingEngine, clock: ManualClock, n: number, offset: number) {
        const ids: string[] = [];
        for (let i = 0; i < n; i++) {
          const constraints = i % 3 === 0 ? { max_price: 0.5 } : {};
          ids.push(engine.decide({ context, providers: market(4), constraints }).metadata.decision_id);
        }
        for (const [i, id] of ids.slice(0, n - 4).entries()) await engine.feedback(outcome(id, offset + i));
        clock.advance(61_000);
        engine.decide({ context, providers: market(4) }); // settles the last 4 by expiry (default reward)
        return ids;
      }
      const options = (modelPath: string, clock: ManualClock) =>
        ({ modelPath, seed: 5, clock, rewardWaitMs: 60_000, defaultReward: 0, saveEvery: 1_000_000, log: quiet }) as const;
      // Anomalies are raised as outcomes are learned and are not in the journal: compared where no journal is replayed.
      const lasting = (engine: RoutingEngine) => {
        const { executor, auditor, settlement } = engine.getStatus();
        const { anomalies: _, ...audits } = auditor;
        return { executor, audits, settlement };
      };

      it("keeps every counter across a clean restart", async () => {
        const modelPath = modelIn();
        const clock = new ManualClock(1_000);
        const engine = new RoutingEngine(options(modelPath, clock));
        const ids = await traffic(engine, clock, 30, 0);
        await expect(engine.feedback(outcome(ids[0]!))).rejects.toBeInstanceOf(DuplicateFeedbackError);
        await expect(engine.feedback(outcome(ids[29]!))).rejects.toBeInstanceOf(LateFeedbackError);
        const before = engine.getStatus();
        expect(before.executor).toMatchObject({
          total_decisions: 31,
          total_outcomes: 26,
          duplicate_feedback: 1,
          late_feedback: 1,
          settled_expired: 4,
        });
        expect(before.auditor.total_entries).toBe(31);
        expect(before.auditor.common_violations).toEqual([{ type: "price_exceeded", count: 10 }]);
        expect(before.settlement.settled_with_default).toBe(4);
        await engine.close();
        const restarted = new RoutingEngine(options(modelPath, clock));
        const after = restarted.getStatus();
        expect(after.executor).toEqual(before.executor);
        expect(after.auditor).toEqual(before.auditor);
        expect(after.settlement).toEqual(before.settlement);
        await restarted.close();
      });

      it("adds the journal's decisions, outcomes and settlements after the snapshot, after an unclean stop", async () => {
        const modelPath = modelIn();
        const clock = new ManualClock(1_000);
        const engine = new RoutingEngine(options(modelPath, clock));
        await traffic(engine, clock, 30, 0);
        await engine.save();
        await traffic(engine, clock, 21, 30); // in the journal only
        const ids = [engine.decide({ context, providers: market(4) }).metadata.decision_id];
        await engine.feedback(outcome(ids[0]!, 7)); // its ack means the journal holds everything before it
        const before = lasting(engine);
        expect(before.executor.total_decisions).toBe(31 + 22 + 1);
        forgetHold(modelPath); // as a crash would
        expect(before.executor.settled_expired).toBe(9); // 4 + 4, and the first round's last decision
        const restarted = new RoutingEngine(options(modelPath, clock));
        expect(lasting(restarted)).toEqual(before);
        await restarted.close();
        await engine.close().catch(() => {});
      });

      it("counts the journal's events when no snapshot holds counters (none yet, or one written before they were kept)", async () => {
        const modelPath = modelIn();
        const clock = new ManualClock(1_000);
        const { engine } = await runAndAbandon(modelPath, 12, 7, { clock });
        const restarted = new RoutingEngine({ modelPath, seed: 3, clock, log: quiet });
        expect(restarted.getStatus().executor).toMatchObject({ total_decisions: 12, total_outcomes: 7, pending_feedback: 5 });
        expect(restarted.getStatus().auditor.total_entries).toBe(12);
        await restarted.close();
        await engine.close().catch(() => {});
      });
    });

    it("refuses a feedback repeated after a restart as a duplicate, whether it was in the snapshot or only the journal", async () => {
      const modelPath = modelIn();
      const { engine, ids } = await runAndAbandon(modelPath, 30, 10);
      await engine.save(); // feedback for ids 0–9 is in this snapshot
      await Promise.all(ids.slice(10, 20).map((id, i) => engine.feedback(outcome(id, i)))); // 10–19: in the journal only
      const restarted = new RoutingEngine({ modelPath, seed: 3, log: quiet });
      for (const id of [ids[0]!, ids[9]!, ids[10]!, ids[19]!]) {
        await expect(restarted.feedback(outcome(id))).rejects.toBeInstanceOf(DuplicateFeedbackError);
      }
      await expect(restarted.feedback(outcome(ids[20]!))).resolves.toBeTypeOf("number");
      // Restarted once more (closed cleanly: everything in its final snapshot), the memory carries on.
      await restarted.close();
      const again = new RoutingEngine({ modelPath, seed: 3, log: quiet });
      await expect(again.feedback(outcome(ids[20]!))).rejects.toBeInstanceOf(DuplicateFeedbackError);
      await expect(again.feedback(outcome(ids[5]!))).rejects.toBeInstanceOf(DuplicateFeedbackError);
      await again.close();
    });

    it("keeps the finished-id memory out of the snapshots it takes by itself to compact the journal", async () => {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 3, saveEvery: 1, minCompactBytes: 0, log: quiet });
      for (let i = 0; i < 400; i++) {
        await engine.feedback(outcome(engine.decide({ context, providers: market(5) }).metadata.decision_id, i));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Snapshots were taken (the journal is compacted), none with the memory.
      expect(engine.getStatus().store?.snapshot_version).toBeGreaterThan(1);
      expect(JSON.parse(readFileSync(modelPath, "utf8"))).not.toHaveProperty("finished");
      await engine.save();
      expect(JSON.parse(readFileSync(modelPath, "utf8")).finished).toMatchObject({ count: 400 });
      await engine.close();
    });

    it("refuses feedback after a restart as late for a decision settled before it", async () => {
      const modelPath = modelIn();
      const clock = new ManualClock(1_000);
      const engine = new RoutingEngine({ modelPath, seed: 3, clock, rewardWaitMs: 60_000, log: quiet });
      const early = engine.decide({ context, providers: market(3) }).metadata.decision_id;
      clock.advance(61_000);
      const late = engine.decide({ context, providers: market(3) }).metadata.decision_id; // settles `early`
      await engine.save();
      clock.advance(61_000);
      engine.decide({ context, providers: market(3) }); // settles `late`, recorded in the journal only
      forgetHold(modelPath); // as a crash would
      await engine.feedback(outcome(engine.decide({ context, providers: market(3) }).metadata.decision_id)); // flushes it
      const restarted = new RoutingEngine({ modelPath, seed: 3, clock, rewardWaitMs: 60_000, log: quiet });
      await expect(restarted.feedback(outcome(early))).rejects.toBeInstanceOf(LateFeedbackError);
      await expect(restarted.feedback(outcome(late))).rejects.toBeInstanceOf(LateFeedbackError);
      await restarted.close();
      await engine.close().catch(() => {});
    });

    it("can lose a decision made just before the crash, but then refuses its feedback as unknown", async () => {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 1, log: quiet });
      const { metadata } = engine.decide({ context, providers: market(3) });
      forgetHold(modelPath); // as a crash would
      // No turn of the event loop: the group commit has not written the decision yet.
      const restarted = new RoutingEngine({ modelPath, seed: 1, log: quiet });
      await expect(restarted.feedback(outcome(metadata.decision_id))).rejects.toBeInstanceOf(UnknownDecisionError);
      await restarted.close();
      await engine.close().catch(() => {});
    });

    it("drops a torn journal tail with a log line and keeps every record before it", async () => {
      const modelPath = modelIn();
      const { model } = await runAndAbandon(modelPath, 20, 10);
      const segment = join(fileStorePaths(modelPath).journal, segmentName(1));
      appendFileSync(segment, '0badc0de {"type":"outcome","decision_id":"half-writ');
      const lines: string[] = [];
      const restarted = new RoutingEngine({ modelPath, seed: 3, log: (line) => lines.push(line) });
      expect(restarted.policy.toJSON()).toEqual(model);
      // Besides, the audit entries of the 20 decisions when the crash came before the audit trail's write (every 200 ms).
      const others = lines.filter((line) => !/^restored 20 audit entries from the journal/.test(line));
      expect(others).toHaveLength(1);
      expect(others[0]).toMatch(/dropped a torn tail of 51 bytes/);
      expect(readFileSync(segment, "utf8").endsWith("\n")).toBe(true);
      await restarted.close();
    });

    it("drops a tail whose checksum fails, as a crash that left garbage would", async () => {
      const modelPath = modelIn();
      await runAndAbandon(modelPath, 5, 5);
      const segment = join(fileStorePaths(modelPath).journal, segmentName(1));
      const text = readFileSync(segment, "utf8");
      const lastStart = text.lastIndexOf("\n", text.length - 2) + 1;
      writeFileSync(segment, text.slice(0, lastStart) + text.slice(lastStart).replace('"success":', '"succesS":'));
      const lines: string[] = [];
      const restarted = new RoutingEngine({ modelPath, seed: 3, log: (line) => lines.push(line) });
      expect(restarted.getStatus().strategist.total_rewards).toBe(4);
      expect(lines[0]).toMatch(/checksum or JSON is bad/);
      await restarted.close();
    });

    it("refuses a journal damaged before its end, naming the file and byte", async () => {
      const modelPath = modelIn();
      await runAndAbandon(modelPath, 5, 5);
      const segment = join(fileStorePaths(modelPath).journal, segmentName(1));
      const text = readFileSync(segment, "utf8");
      writeFileSync(segment, `X${text.slice(1)}`);
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(JournalCorruptError);
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(/00000001\.log is corrupt at byte 0/);
    });

    it("refuses a corrupt snapshot and starts from the previous good version plus the journal", async () => {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 5, saveEvery: 1_000_000, log: quiet });
      const ids = Array.from({ length: 30 }, () => engine.decide({ context, providers: market(4) }).metadata.decision_id);
      for (const [i, id] of ids.slice(0, 10).entries()) await engine.feedback(outcome(id, i));
      await engine.save();
      for (const [i, id] of ids.slice(10, 20).entries()) await engine.feedback(outcome(id, i));
      await engine.save();
      for (const [i, id] of ids.slice(20, 25).entries()) await engine.feedback(outcome(id, i));
      const model = engine.policy.toJSON();
      await engine.close();
      // close() wrote version 3; damage it without breaking its JSON.
      const text = readFileSync(modelPath, "utf8");
      writeFileSync(modelPath, text.replace('"epsilon":', '"epsilon": '));
      const lines: string[] = [];
      const restarted = new RoutingEngine({ modelPath, seed: 5, log: (line) => lines.push(line) });
      expect(lines[0]).toMatch(/model\.json does not match its receipt \(version 3/);
      expect(lines[0]).toMatch(/started from the previous good version \(2\)/);
      expect(restarted.policy.toJSON()).toEqual(model);
      expect(readdirSync(join(modelPath, "..")).some((name) => name.startsWith("model.json.corrupt-"))).toBe(true);
      await restarted.close();
    });

    it("removes the snapshot temp files a killed process left, whatever their pid, and no other model's", async () => {
      const modelPath = modelIn();
      const dir = join(modelPath, "..");
      const abandoned = join(dir, ".model.json.999999999.0a1b2c3d4e5f.tmp");
      // A container restarted with the same pid, or a pid a live process has now: the lock says the writer is gone.
      const samePid = join(dir, `.model.json.${process.pid}.0a1b2c3d4e5f.tmp`);
      const livePid = join(dir, `.model.json.${process.ppid}.0a1b2c3d4e5f.tmp`);
      const other = join(dir, ".other.json.999999999.0a1b2c3d4e5f.tmp");
      for (const path of [abandoned, samePid, livePid, other]) writeFileSync(path, '{"half": ');
      const lines: string[] = [];
      const engine = new RoutingEngine({ modelPath, log: (line) => lines.push(line) });
      expect([abandoned, samePid, livePid, other].map((path) => existsSync(path))).toEqual([false, false, false, true]);
      expect(lines.sort()).toEqual(
        [
          `removed ${abandoned}, which process 999999999 was writing when it stopped (never renamed into place)`,
          `removed ${samePid}, which process ${process.pid} was writing when it stopped (never renamed into place)`,
          `removed ${livePid}, which process ${process.ppid} was writing when it stopped (never renamed into place)`,
        ].sort(),
      );
      await engine.close();
    });

    it("finishes an install a crash cut short between its two renames, instead of starting from the previous snapshot", async () => {
      const modelPath = modelIn();
      const store = new FileStore({ path: modelPath, log: quiet });
      store.openSync();
      store.snapshotSync(() => ({ round: 1 }));
      store.snapshotSync(() => ({ round: 2 }));
      await store.close();
      // model.json went to .prev, the new one is still in its temp file, its receipt written.
      const temp = join(dirname(modelPath), ".model.json.999999999.0a1b2c3d.tmp");
      renameSync(modelPath, temp);
      expect(verifyFileStore(modelPath).broken).toBeNull();
      const lines: string[] = [];
      const restarted = new FileStore({ path: modelPath, log: (line) => lines.push(line) });
      expect(restarted.openSync().snapshot).toMatchObject({ round: 2, model_version: 2 });
      await restarted.close();
      expect(existsSync(temp)).toBe(false);
      expect(lines).toEqual([
        `put ${temp} in place as ${modelPath}: version 2, whose install process 999999999 was finishing when it stopped`,
      ]);
      expect(verifyFileStore(modelPath).broken).toBeNull();
    });

    it("finishes the newest install when a crash left model.json two versions behind (a save() and a saveSync() both under way)", async () => {
      const modelPath = modelIn();
      const store = new FileStore({ path: modelPath, log: quiet, journal: false });
      store.openSync();
      for (let round = 1; round <= 5; round++) {
        store.snapshotSync(() => ({ round }));
        if (round === 3) cpSync(modelPath, `${modelPath}.v3`);
      }
      await store.close();
      // Receipts 4 and 5 written, neither snapshot renamed into place; 5 is whole in its temp file.
      const temp = join(dirname(modelPath), ".model.json.999999999.0a1b2c3d.tmp");
      renameSync(modelPath, temp);
      renameSync(`${modelPath}.v3`, modelPath);
      rmSync(`${modelPath}.prev`);
      // Before any restart, verify already reads the folder as the restart will finish it.
      expect(verifyFileStore(modelPath).broken).toBeNull();
      const restarted = new FileStore({ path: modelPath, log: quiet, journal: false });
      expect(restarted.openSync().snapshot).toMatchObject({ round: 5, model_version: 5 });
      await restarted.close();
      expect(JSON.parse(readFileSync(`${modelPath}.prev`, "utf8"))).toMatchObject({ round: 3 });
      expect(verifyFileStore(modelPath).broken).toBeNull();
    });

    it("refuses to start when neither the snapshot nor the previous one is good", () => {
      const modelPath = modelIn();
      writeFileSync(modelPath, '{"q_table": {"a:b:c": {"x": 1');
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(ModelFileError);
    });
  });

  describe("saveSync while an asynchronous snapshot is in flight", () => {
    /** Whether the asynchronous snapshot has got to a step, as the folder shows it. */
    type Step = (folder: Folder) => boolean;
    interface Folder {
      modelPath: string;
      /** model.json's inode before the asynchronous snapshot began. */
      inode: number;
      /** model.json.prev's. */
      previousInode: number;
      receiptBytes: number;
      /** The oldest journal segment, which the snapshot removes. */
      oldest: number;
    }
    const snapshotTemps = (modelPath: string) =>
      readdirSync(dirname(modelPath)).filter((name) => name.startsWith(".model.json.") && name.endsWith(".tmp"));
    const statIfAny = (path: string) => statSync(path, { throwIfNoEntry: false });
    const steps: Record<string, Step> = {
      "before it is cut": () => true,
      "while it is written": ({ modelPath }) => snapshotTemps(modelPath).length > 0,
      "once its receipt is appended": ({ modelPath, receiptBytes }) => statSync(`${modelPath}.receipts`).size > receiptBytes,
      "once model.json has a second name": ({ modelPath }) => (statIfAny(modelPath)?.nlink ?? 0) > 1,
      "once model.json is replaced": ({ modelPath, inode }) => statIfAny(modelPath)?.ino !== inode,
      "once model.json.prev is replaced": ({ modelPath, previousInode }) => statIfAny(`${modelPath}.prev`)?.ino !== previousInode,
      "once an old journal segment is removed": ({ modelPath, oldest }) =>
        !existsSync(join(fileStorePaths(modelPath).journal, segmentName(oldest))),
    };

    /**
     * Acknowledged feedback, two snapshots (so that the third removes a journal segment), more
     * feedback; then `start` (save() or close()) begins a snapshot and, while feedback keeps being
     * acknowledged, an exit handler's saveSync() lands as soon as `step` shows on disk (polled at
     * every turn of the event loop). Resolves once everything settled, with the acknowledged ids.
     */
    async function saveSyncDuring(step: Step, start: "save" | "close") {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 5, saveEvery: 1_000_000, log: quiet });
      const acked: string[] = [];
      const ack = async (i: number) => {
        const id = engine.decide({ context, providers: market(5) }).metadata.decision_id;
        await engine.feedback(outcome(id, i));
        acked.push(id);
      };
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 15; i++) await ack(i);
        if (round < 2) await engine.save();
      }
      const folder: Folder = {
        modelPath,
        inode: statSync(modelPath).ino,
        previousInode: statSync(`${modelPath}.prev`).ino,
        receiptBytes: statSync(`${modelPath}.receipts`).size,
        oldest: Number.parseInt(readdirSync(fileStorePaths(modelPath).journal).sort()[0] as string, 10),
      };
      let settled = false;
      const snapshot = (start === "save" ? engine.save() : engine.close()).finally(() => {
        settled = true;
      });
      let synced = false;
      const traffic =
        start === "save"
          ? (async () => {
              for (let i = 0; !synced; i++) await ack(i);
            })()
          : Promise.resolve();
      while (!step(folder) && !settled) await new Promise((resolve) => setImmediate(resolve));
      const during = !settled;
      if (start === "save" || during) engine.saveSync();
      synced = true;
      await snapshot;
      await traffic;
      return { engine, modelPath, acked, during };
    }

    /** A restart (after a crash: nothing closed) finds every acknowledged feedback and a folder that verifies. */
    async function expectWholeAfterRestart(modelPath: string, acked: readonly string[]) {
      forgetHold(modelPath);
      const lines: string[] = [];
      const restarted = new RoutingEngine({ modelPath, seed: 5, log: (line) => lines.push(line) });
      expect(restarted.getStatus().executor.total_outcomes).toBe(acked.length);
      for (const id of acked) await expect(restarted.feedback(outcome(id))).rejects.toBeInstanceOf(DuplicateFeedbackError);
      await restarted.close();
      // Nothing moved aside or left behind; one chain of receipts, the newest naming model.json.
      expect(lines).toEqual([]);
      expect(readdirSync(dirname(modelPath)).filter((name) => name.includes(".corrupt-"))).toEqual([]);
      expect(snapshotTemps(modelPath)).toEqual([]);
      expect(verifyFileStore(modelPath)).toMatchObject({ ok: true, broken: null });
      const receipts = readFileSync(`${modelPath}.receipts`, "utf8").trim().split("\n");
      expect(JSON.parse(readFileSync(modelPath, "utf8")).model_version).toBe(receipts.length);
    }

    for (const [name, step] of Object.entries(steps)) {
      it(`keeps every acknowledged feedback when saveSync() follows save() ${name}`, async () => {
        let hits = 0;
        for (let run = 0; run < 4; run++) {
          const { engine, modelPath, acked, during } = await saveSyncDuring(step, "save");
          if (during) hits++;
          await expectWholeAfterRestart(modelPath, acked);
          await engine.close().catch(() => {});
        }
        expect(hits).toBeGreaterThan(0);
      });
    }

    for (const [name, step] of Object.entries(steps)) {
      it(`keeps a good model.json when saveSync() comes while close() writes its snapshot, ${name}`, async () => {
        let hits = 0;
        for (let run = 0; run < 4; run++) {
          const { modelPath, acked, during } = await saveSyncDuring(step, "close");
          if (during) hits++;
          await expectWholeAfterRestart(modelPath, acked);
        }
        expect(hits).toBeGreaterThan(0);
      });
    }
  });

  describe("durability policy", () => {
    it("acknowledges concurrent feedback with a shared fsync under the interval policy", async () => {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 2, fsync: { intervalMs: 20 }, saveEvery: 1_000_000, log: quiet });
      const ids = Array.from({ length: 50 }, () => engine.decide({ context, providers: market(3) }).metadata.decision_id);
      await Promise.all(ids.map((id, i) => engine.feedback(outcome(id, i))));
      const restarted = new FileStore({ path: modelPath, log: quiet });
      forgetHold(modelPath); // as a crash would
      const outcomes = [...restarted.openSync().events].filter((e) => e.type === "outcome");
      expect(outcomes).toHaveLength(50);
      await restarted.close();
    });

    it("acknowledges nothing once its folder is deleted under it, and says so in status", async () => {
      // The journal's open segment took writes and fsyncs without complaint after `rm -rf`: feedback
      // was answered 200 and lost at the next start.
      const dir = tempDir();
      const modelPath = join(dir, "model.json");
      const engine = new RoutingEngine({ modelPath, seed: 2, log: quiet });
      const first = engine.decide({ context, providers: market(3) }).metadata.decision_id;
      await engine.feedback(outcome(first));
      const second = engine.decide({ context, providers: market(3) }).metadata.decision_id;
      rmSync(dir, { recursive: true, force: true });
      const refused = engine.feedback(outcome(second));
      await expect(refused).rejects.toBeInstanceOf(FeedbackNotDurableError);
      await expect(refused).rejects.toThrow(/was deleted while in use/);
      expect(engine.getStatus().store).toMatchObject({ ready: false, last_error: expect.stringMatching(/deleted while in use/) });
      await engine.close().catch(() => {});
      forgetHold(modelPath);
    });

    it("writes nothing but explicit snapshots with autoSave off", async () => {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 2, autoSave: false, log: quiet });
      const { metadata } = engine.decide({ context, providers: market(3) });
      await engine.feedback(outcome(metadata.decision_id));
      await engine.close();
      expect(existsSync(modelPath)).toBe(false);
      expect(existsSync(fileStorePaths(modelPath).journal)).toBe(false);
    });
  });

  describe("compaction", () => {
    it("waits for minCompactBytes of journal (default 8 MiB) before a background snapshot", async () => {
      const run = async (extra: object) => {
        // The time rule (minSnapshotIntervalMs) is kept out of the way: this is the bytes' floor.
        const engine = new RoutingEngine({
          modelPath: modelIn(),
          seed: 6,
          saveEvery: 10,
          minSnapshotIntervalMs: 3_600_000,
          log: quiet,
          ...extra,
        });
        for (let i = 0; i < 300; i++) {
          await engine.feedback(outcome(engine.decide({ context, providers: market(4) }).metadata.decision_id, i));
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
        const version = engine.getStatus().store!.snapshot_version ?? 0;
        await engine.close();
        return version;
      };
      // ~300 KB of journal: under the default floor nothing is compacted; with a 64 KB floor, a few times.
      expect(await run({})).toBeLessThanOrEqual(1);
      const compacted = await run({ minCompactBytes: 64 * 1024 });
      expect(compacted).toBeGreaterThan(1);
      expect(compacted).toBeLessThan(await run({ minCompactBytes: 0 }));
      expect(() => new RoutingEngine({ modelPath: modelIn(), minCompactBytes: -1, log: quiet })).toThrow(/minCompactBytes/);
    });

    it("writes a small model's JSON file every saveEvery decisions, at most once a second, below the bytes' floor", async () => {
      // The seed saved its JSON model every 10 decisions; the journal keeps every feedback durable
      // anyway, but the file at modelPath stayed absent until 8 MiB of journal (~8,000 pairs).
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 6, log: quiet });
      const pairs = async (n: number) => {
        for (let i = 0; i < n; i++) {
          await engine.feedback(outcome(engine.decide({ context, providers: market(4) }).metadata.decision_id, i));
        }
      };
      await pairs(10);
      expect(existsSync(modelPath)).toBe(false); // less than a second since the store opened
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      await pairs(10);
      await expect.poll(() => existsSync(modelPath), { timeout: 5_000 }).toBe(true);
      const saved = JSON.parse(readFileSync(modelPath, "utf8")) as { decision_count: number; total_rewards: number };
      expect(saved.total_rewards).toBeGreaterThanOrEqual(10);
      const version = engine.getStatus().store!.snapshot_version;
      await pairs(10); // within the second after it: not again
      expect(engine.getStatus().store!.snapshot_version).toBe(version);
      await engine.close();
    });

    it("remembers, after a crash, the feedback a snapshot cut by time had taken: a duplicate, not unknown", async () => {
      // Such a snapshot cuts the journal a restart recalls finished decisions from: without their
      // memory in it, feedback repeated after a crash a second later was an unknown decision (404).
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 6, log: quiet });
      const first = engine.decide({ context, providers: market(4) }).metadata.decision_id;
      await engine.feedback(outcome(first, 1));
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      for (let i = 0; i < 30; i++) {
        await engine.feedback(outcome(engine.decide({ context, providers: market(4) }).metadata.decision_id, i));
      }
      await expect.poll(() => engine.getStatus().store!.snapshot_version, { timeout: 5_000 }).toBeGreaterThanOrEqual(1);
      forgetHold(modelPath); // a kill -9 now
      const restarted = new RoutingEngine({ modelPath, seed: 6, log: quiet });
      await expect(restarted.feedback(outcome(first, 1))).rejects.toBeInstanceOf(DuplicateFeedbackError);
      await restarted.close();
    });

    it("snapshots once the journal outgrows the last snapshot, and removes segments the previous snapshot no longer needs", async () => {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 6, saveEvery: 10, minCompactBytes: 0, log: quiet });
      for (let i = 0; i < 400; i++) {
        const { metadata } = engine.decide({ context, providers: market(4) });
        await engine.feedback(outcome(metadata.decision_id, i));
      }
      const status = engine.getStatus().store!;
      expect(status.snapshot_version).toBeGreaterThan(3);
      const segments = readdirSync(fileStorePaths(modelPath).journal);
      expect(segments.length).toBeLessThanOrEqual(3);
      const model = engine.policy.toJSON();
      await engine.close();
      const restarted = new RoutingEngine({ modelPath, seed: 6, log: quiet });
      expect(restarted.policy.toJSON()).toEqual(model);
      await restarted.close();
    });
  });

  describe("receipts and verify", () => {
    async function savedThrice(modelPath: string) {
      const engine = new RoutingEngine({ modelPath, seed: 8, saveEvery: 1_000_000, log: quiet });
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 5; i++) {
          const { metadata } = engine.decide({ context, providers: market(3) });
          await engine.feedback(outcome(metadata.decision_id, i));
        }
        await engine.save();
      }
      await engine.close();
    }

    it("finds every link intact after normal work", async () => {
      const modelPath = modelIn();
      await savedThrice(modelPath);
      const report = verifyFileStore(modelPath);
      expect(report.broken).toBeNull();
      expect(report.ok).toBe(true);
      expect(report.notes).toContain("receipts: 4 linked, newest version 4");
      expect(report.notes).toContain("audit: 15 records linked");
    });

    it("names the receipt whose hash no longer matches after it was edited", async () => {
      const modelPath = modelIn();
      await savedThrice(modelPath);
      const path = fileStorePaths(modelPath).receipts;
      const lines = readFileSync(path, "utf8").split("\n");
      const { frameLine } = await import("./journal.js");
      const second = JSON.parse(lines[1]!.slice(9));
      second.sha256 = "f".repeat(64);
      lines[1] = frameLine(JSON.stringify(second)).trimEnd();
      writeFileSync(path, lines.join("\n"));
      expect(verifyFileStore(modelPath).broken).toEqual({
        part: "receipts",
        reason: "receipt 2 (version 2): its hash does not match its fields (edited?)",
      });
    });

    it("names the receipt that follows a removed one", async () => {
      const modelPath = modelIn();
      await savedThrice(modelPath);
      const path = fileStorePaths(modelPath).receipts;
      const lines = readFileSync(path, "utf8").split("\n");
      lines.splice(1, 1);
      writeFileSync(path, lines.join("\n"));
      expect(verifyFileStore(modelPath).broken?.reason).toMatch(
        /^receipt 2 \(version 3\): prev .* is not the hash of the receipt before it/,
      );
    });

    it("names a snapshot that does not match its receipt", async () => {
      const modelPath = modelIn();
      await savedThrice(modelPath);
      writeFileSync(modelPath, readFileSync(modelPath, "utf8").replace('"decision_count":15', '"decision_count":16'));
      const report = verifyFileStore(modelPath);
      expect(report.broken?.part).toBe("snapshot");
      expect(report.broken?.reason).toMatch(
        /model\.json \(version 4\) hashes to [0-9a-f]{64}, not [0-9a-f]{64} as its receipt says/,
      );
    });

    it("names the first audit record that was altered", async () => {
      const modelPath = modelIn();
      await savedThrice(modelPath);
      const path = join(fileStorePaths(modelPath).audit, segmentName(1));
      const lines = readFileSync(path, "utf8").split("\n");
      const { frameLine } = await import("./journal.js");
      const seventh = JSON.parse(lines[6]!.slice(9));
      seventh.record.entry.provider_id = "someone-else";
      lines[6] = frameLine(JSON.stringify(seventh)).trimEnd();
      writeFileSync(path, lines.join("\n"));
      expect(verifyFileStore(modelPath).broken).toEqual({
        part: "audit",
        reason: "audit record 7: its hash does not match its content (edited?)",
      });
    });
  });

  describe("journal format", () => {
    const fixture = fileURLToPath(new URL("../test/fixtures/journal-v1", import.meta.url));
    const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")) as {
      now: number;
      policy: unknown;
      pending: string[];
      pending_feedback: number;
    };
    const atFixtureTime = { now: () => expected.now };

    /** Decoded journal records from segment `from` on, read alone (as a restart from that cut reads them). */
    const readFrom = (modelPath: string, from: number) => {
      const decoder = new JournalEventDecoder();
      return readJournal(fileStorePaths(modelPath).journal, from, { repair: false }).records.map((r) => decoder.decode(r));
    };

    it("loads a store written before candidate lists were shared, to the model and pending decisions it held", async () => {
      const dir = tempDir();
      dirs.push(dir);
      cpSync(fixture, dir, { recursive: true });
      const modelPath = join(dir, "model");
      expect(verifyFileStore(modelPath).ok).toBe(true);
      const options = {
        modelPath,
        seed: 1,
        log: quiet,
        clock: atFixtureTime,
        policy: { kind: "q-learning", epsilon: 0.3 },
      } as const;
      const engine = new RoutingEngine(options);
      // The fixture predates provider_recency (the order maxProviders forgets in): it lists the
      // same providers, none of them seen since the restart.
      const { provider_recency: recency, ...restored } = engine.policy.toJSON() as { provider_recency: string[] };
      expect(restored).toEqual(expected.policy);
      const table = (expected.policy as { q_table: Record<string, Record<string, number>> }).q_table;
      expect(new Set(recency)).toEqual(new Set(Object.values(table).flatMap((row) => Object.keys(row))));
      expect(engine.getStatus().executor.pending_feedback).toBe(expected.pending_feedback);
      await expect(engine.feedback(outcome(expected.pending[0]!))).resolves.toBeTypeOf("number");
      const { metadata } = engine.decide({ context, providers: market(5) });
      const model = engine.policy.toJSON();
      await engine.close();

      const report = verifyFileStore(modelPath);
      expect(report.broken).toBeNull();
      const fixtureAudit = readFileSync(join(fixture, "model.audit", segmentName(1)), "utf8").split("\n").length - 1;
      expect(report.notes).toContain(`audit: ${fixtureAudit + 1} records linked`);
      const again = new RoutingEngine(options);
      expect(again.policy.toJSON()).toEqual(model);
      await expect(again.feedback(outcome(metadata.decision_id))).resolves.toBeTypeOf("number");
      await again.close();
    });

    it("restores the same model from a journal with shared candidate lists as from the same events written one by one", async () => {
      const modelPath = modelIn();
      const { model, ids } = await runAndAbandon(modelPath, 60, 35);
      const records = readJournal(fileStorePaths(modelPath).journal, 0, { repair: false }).records as { list?: number }[];
      expect(records.filter((r) => r.list !== undefined).length).toBe(60);
      expect(records.filter((r) => "candidates" in r).length).toBe(1);

      const inline = modelIn();
      const segment = join(fileStorePaths(inline).journal, segmentName(1));
      mkdirSync(fileStorePaths(inline).journal, { recursive: true });
      writeFileSync(
        segment,
        readFrom(modelPath, 0)
          .map((event) => frameLine(JSON.stringify(encodeEvent(event))))
          .join(""),
      );
      expect(readFileSync(segment, "utf8")).not.toContain('"list":');

      const shared = new RoutingEngine({ modelPath, seed: 3, log: quiet });
      const written = new RoutingEngine({ modelPath: inline, seed: 3, log: quiet });
      expect(shared.policy.toJSON()).toEqual(model);
      expect(written.policy.toJSON()).toEqual(model);
      expect(shared.getStatus().executor).toEqual(written.getStatus().executor);
      for (const engine of [shared, written]) {
        await expect(engine.feedback(outcome(ids[40]!))).resolves.toBeTypeOf("number");
        await engine.close();
      }
    });

    it("writes each candidate list again after a snapshot, so the journal from every cut reads alone", async () => {
      const modelPath = modelIn();
      const engine = new RoutingEngine({ modelPath, seed: 6, saveEvery: 1_000_000, log: quiet });
      const lists = [market(4), market(3)];
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 12; i++) {
          const { metadata } = engine.decide({ context, providers: lists[i % 2]! });
          await engine.feedback(outcome(metadata.decision_id, i));
        }
        await engine.save();
      }
      const pending = Array.from({ length: 5 }, () => engine.decide({ context, providers: lists[0]! }).metadata.decision_id);
      await engine.feedback(outcome(pending[0]!));
      const model = engine.policy.toJSON();
      const { journal } = fileStorePaths(modelPath);
      const segments = readdirSync(journal).map((name) => Number(name.slice(0, 8)));
      expect(segments.length).toBeGreaterThanOrEqual(2);
      for (const from of segments) {
        const decisions = readFrom(modelPath, from).filter((e) => e.type === "decision");
        expect(decisions.length).toBeGreaterThan(0);
      }
      const newest = readJournal(journal, Math.max(...segments), { repair: false }).records as { list?: number }[];
      expect(newest.filter((r) => "candidates" in r)).toHaveLength(1);

      // Fall back to the previous snapshot: its journal suffix spans a cut and still decodes.
      forgetHold(modelPath); // as a crash would
      writeFileSync(modelPath, readFileSync(modelPath, "utf8").replace('"epsilon":', '"epsilon": '));
      const restarted = new RoutingEngine({ modelPath, seed: 6, log: quiet });
      expect(restarted.policy.toJSON()).toEqual(model);
      expect(restarted.getStatus().executor.pending_feedback).toBe(4);
      await restarted.close();
    });

    it("numbers new lists after those of the journal it recovered, and recovers again across both", async () => {
      const modelPath = modelIn();
      const { engine: first } = await runAndAbandon(modelPath, 10, 10);
      first.decide({ context, providers: market(2) });
      forgetHold(modelPath); // as a crash would
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = new RoutingEngine({ modelPath, seed: 3, log: quiet });
      const ids = [market(2), market(5), market(2)].map(
        (providers) => second.decide({ context, providers }).metadata.decision_id,
      );
      await Promise.all(ids.map((id) => second.feedback(outcome(id))));
      const model = second.policy.toJSON();
      const lists = (readJournal(fileStorePaths(modelPath).journal, 0, { repair: false }).records as { list?: number }[])
        .filter((r) => "candidates" in r)
        .map((r) => r.list);
      forgetHold(modelPath); // as a crash would
      expect(lists).toEqual([1, 2, 3, 4]);
      const third = new RoutingEngine({ modelPath, seed: 3, log: quiet });
      expect(third.policy.toJSON()).toEqual(model);
      await third.close();
    });
  });

  describe("sharing", () => {
    it("refuses a model another live process holds", () => {
      const modelPath = modelIn();
      writeFileSync(`${modelPath}.lock`, String(process.ppid));
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(ModelLockedError);
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(`in use by process ${process.ppid}`);
    });

    it("refuses a second engine on the model in this same process, until the first is closed", async () => {
      // Two engines on one file interleaved their journals and snapshots: of 200 acknowledged
      // feedbacks, 100 were left after a restart, and the snapshot was moved aside as corrupt.
      const modelPath = modelIn();
      const first = new RoutingEngine({ modelPath, seed: 1, log: quiet });
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(ModelLockedError);
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow("in use by another engine in this process");
      await expect(RoutingEngine.open({ modelPath, log: quiet })).rejects.toThrow(ModelLockedError);
      // The same file through another spelling of its path: a symbolic link to its folder.
      const alias = join(tmpdir(), `aurora-alias-${process.pid}-${Date.now()}`);
      symlinkSync(dirname(modelPath), alias);
      expect(() => new RoutingEngine({ modelPath: join(alias, basename(modelPath)), log: quiet })).toThrow(ModelLockedError);
      rmSync(alias);
      const ids = Array.from({ length: 30 }, () => first.decide({ context, providers: market(4) }).metadata.decision_id);
      await Promise.all(ids.map((id, i) => first.feedback(outcome(id, i))));
      const model = first.policy.toJSON();
      await first.close();
      const second = new RoutingEngine({ modelPath, seed: 1, log: quiet });
      expect(second.policy.toJSON()).toEqual(model);
      expect(second.getStatus().executor.total_outcomes).toBe(30);
      await second.close();
      expect(existsSync(`${modelPath}.lock`)).toBe(false);
    });

    it("is one lock for the ES module and CommonJS builds loaded in one process", async () => {
      const esm = (await import(ENGINE_INDEX)) as typeof import("./index.js");
      const cjs = createRequire(import.meta.url)("../dist/index.cjs") as typeof import("./index.js");
      const modelPath = modelIn();
      const held = new esm.RoutingEngine({ modelPath, log: quiet });
      expect(() => new cjs.RoutingEngine({ modelPath, log: quiet })).toThrow("in use by another engine in this process");
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow("in use by another engine in this process");
      await held.close();
      const next = new cjs.RoutingEngine({ modelPath, log: quiet });
      await next.close();
    });

    it("gives the model back when the engine cannot start on it, so the next engine can", async () => {
      const modelPath = modelIn();
      const first = new RoutingEngine({ modelPath, seed: 1, log: quiet });
      await first.feedback(outcome(first.decide({ context, providers: market(3) }).metadata.decision_id));
      await first.close();
      // The model file holds a q-learning snapshot: another policy refuses it.
      expect(() => new RoutingEngine({ modelPath, policy: { kind: "lin-ucb" }, log: quiet })).toThrow(/q-learning/);
      await expect(RoutingEngine.open({ modelPath, policy: { kind: "lin-ucb" }, log: quiet })).rejects.toThrow(/q-learning/);
      const second = new RoutingEngine({ modelPath, seed: 1, log: quiet });
      expect(second.getStatus().executor.total_outcomes).toBe(1);
      await second.close();
    });

    it("takes over the lock of a process that is gone", async () => {
      const modelPath = modelIn();
      writeFileSync(`${modelPath}.lock`, "999999999");
      const engine = new RoutingEngine({ modelPath, log: quiet });
      expect(parseLockHolder(readFileSync(`${modelPath}.lock`, "utf8"))?.pid).toBe(process.pid);
      await engine.close();
      expect(existsSync(`${modelPath}.lock`)).toBe(false);
    });
  });
});
