import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { context, market, variedOutcome } from "../test/market.js";
import { StoredEventError } from "./event-codec.js";
import { forgetHold } from "./file-lock.js";
import { FileStore, fileStorePaths } from "./file-store.js";
import { frameLine, listSegments, segmentName } from "./journal.js";
import { RoutingEngine } from "./routing-engine.js";
import { NotAFileStoreError, verifyFileStore } from "./verify-file-store.js";

const quiet = () => {};
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "aurora-verify-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const outcome = variedOutcome;

/**
 * Normal work, then a kill -9: four rounds of six decisions, each answering the two left pending by
 * the round before and four of its own, with `save()` after the first three. The folder holds
 * version 3 (cut at segment 4) and version 2 (cut at segment 3) with segments 3 and 4, decisions
 * pending across each cut. With `auditSegmentBytes` the engine's store is a `FileStore` whose audit
 * trail rolls over that often.
 */
async function work(modelPath: string, options: { seed?: number; auditSegmentBytes?: number } = {}) {
  const { seed = 8, auditSegmentBytes } = options;
  const where =
    auditSegmentBytes === undefined
      ? { modelPath }
      : { store: new FileStore({ path: modelPath, auditSegmentBytes, log: quiet }) };
  const engine = new RoutingEngine({ ...where, seed, saveEvery: 1_000_000, log: quiet });
  let open: string[] = [];
  for (let round = 0; round < 4; round++) {
    const made = Array.from({ length: 6 }, () => engine.decide({ context, providers: market(3) }).metadata.decision_id);
    for (const [i, id] of [...open, ...made.slice(0, 4)].entries()) await engine.feedback(outcome(id, i));
    open = made.slice(4);
    if (round < 3) await engine.save();
  }
  await new Promise((resolve) => setTimeout(resolve, 300)); // the audit trail is written every 200 ms
  forgetHold(modelPath);
  return engine.policy.toJSON();
}

/** A fresh copy of the folder of `modelPath`, without its lock (as after the process is gone). */
function copyOf(modelPath: string): string {
  const dir = tempDir();
  cpSync(dirname(modelPath), dir, { recursive: true });
  rmSync(join(dir, "model.json.lock"), { force: true });
  return join(dir, "model.json");
}

const segmentFile = (modelPath: string, segment: number, part: "journal" | "audit" = "journal") =>
  join(fileStorePaths(modelPath)[part], segmentName(segment));

/** The lines of a framed file (each without its newline). */
const linesOf = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
const writeLines = (path: string, lines: string[]) => writeFileSync(path, lines.map((line) => `${line}\n`).join(""));
const recordOf = (line: string) => JSON.parse(line.slice(9));

let worked: string;
let workedModel: unknown;
let audited: string;
let other: string;

beforeAll(async () => {
  worked = join(tempDir(), "model.json");
  workedModel = await work(worked);
  audited = join(tempDir(), "model.json");
  await work(audited, { auditSegmentBytes: 2_048 });
  other = join(tempDir(), "model.json");
  await work(other, { seed: 9 });
});

describe("verifyFileStore", () => {
  describe("a healthy folder", () => {
    it("is intact as a kill -9 leaves it after normal work, with the journal from the previous snapshot's cut on", () => {
      expect(listSegments(fileStorePaths(worked).journal)).toEqual([3, 4]);
      const report = verifyFileStore(copyOf(worked));
      expect(report.broken).toBeNull();
      expect(report.notes).toContain("receipts: 3 linked, newest version 3");
      expect(report.notes).toContain(
        "journal: 1 segment(s) from 00000004.log replay 12 events in order, 2 decision(s) pending after them",
      );
    });

    it("is intact after a clean close, and after compaction removed the segments no snapshot needs", async () => {
      const modelPath = copyOf(worked);
      const engine = new RoutingEngine({ modelPath, seed: 8, saveEvery: 10, minCompactBytes: 0, log: quiet });
      for (let i = 0; i < 200; i++) {
        await engine.feedback(outcome(engine.decide({ context, providers: market(4) }).metadata.decision_id, i));
      }
      await engine.close();
      expect(listSegments(fileStorePaths(modelPath).journal)[0]).toBeGreaterThan(5);
      expect(verifyFileStore(modelPath).broken).toBeNull();
    });

    it("is intact after the model ran without a journal, then with one again: the journal-less snapshot cuts past the segments it replayed", async () => {
      const modelPath = copyOf(worked);
      const pairs = async (engine: RoutingEngine, n: number) => {
        for (let i = 0; i < n; i++) {
          await engine.feedback(outcome(engine.decide({ context, providers: market(3) }).metadata.decision_id, i));
        }
      };
      await new RoutingEngine({ modelPath, seed: 8, log: quiet }).close(); // the journal's 12 events after version 3 are in version 4
      const segments = listSegments(fileStorePaths(modelPath).journal);
      const journalless = new RoutingEngine({ modelPath, seed: 8, autoSave: false, log: quiet });
      await pairs(journalless, 3);
      await journalless.save();
      await journalless.close();
      expect(JSON.parse(readFileSync(modelPath, "utf8"))).toMatchObject({
        journal_segment: Math.max(...segments) + 1,
        journal: false,
      });
      const journaled = new RoutingEngine({ modelPath, seed: 8, saveEvery: 1_000_000, log: quiet });
      await pairs(journaled, 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      forgetHold(modelPath);
      expect(verifyFileStore(modelPath).broken).toBeNull();
      const closed = new RoutingEngine({ modelPath, seed: 8, log: quiet });
      expect(closed.getStatus().executor.total_outcomes).toBe(journaled.getStatus().executor.total_outcomes);
      await closed.close();
      expect(verifyFileStore(modelPath).broken).toBeNull();
    });

    it("is intact right after a journal-less save, before any journaling run has started the segment at its cut", async () => {
      const modelPath = copyOf(worked);
      const journaling = new RoutingEngine({ modelPath, seed: 8, log: quiet });
      await journaling.feedback(outcome(journaling.decide({ context, providers: market(3) }).metadata.decision_id, 1));
      forgetHold(modelPath); // as a crash would: its feedback is only in the journal
      const journalless = new RoutingEngine({ modelPath, seed: 8, autoSave: false, log: quiet });
      await journalless.save();
      await journalless.close();
      expect(verifyFileStore(modelPath).broken).toBeNull();
    });

    it("is intact with torn tails a kill -9 left in the newest journal and audit segments, and notes them", () => {
      const modelPath = copyOf(audited);
      const { audit, journal } = fileStorePaths(modelPath);
      appendFileSync(join(journal, segmentName(4)), '0badc0de {"type":"outcome","decision_id":"half-writ');
      appendFileSync(join(audit, segmentName(listSegments(audit).at(-1)!)), '12345678 {"hash":"ab');
      const report = verifyFileStore(modelPath);
      expect(report.broken).toBeNull();
      expect(report.notes.filter((note) => note.includes("the torn tail a crash leaves"))).toHaveLength(2);
    });

    describe("after a crash cut a snapshot's install short", () => {
      /**
       * The same folder after `save()` wrote version 4 in a temp file and appended its receipt, then
       * stopped before the rename: the twin finished that save, this folder gets its receipt and temp file.
       */
      async function crashedInstall() {
        const modelPath = copyOf(worked);
        const twin = copyOf(worked);
        const engine = new RoutingEngine({ modelPath: twin, seed: 8, saveEvery: 1_000_000, log: quiet });
        await engine.save();
        const model = engine.policy.toJSON();
        forgetHold(twin);
        const paths = fileStorePaths(modelPath);
        appendFileSync(paths.receipts, `${linesOf(fileStorePaths(twin).receipts).at(-1)}\n`);
        const temp = join(dirname(modelPath), ".model.json.4194305.0123456789ab.tmp"); // a pid above Linux's maximum: gone
        writeFileSync(temp, readFileSync(twin));
        writeFileSync(join(paths.journal, segmentName(5)), "");
        return { modelPath, temp, model };
      }

      it("is intact with the snapshot before it still in place, as a restart finishes the install and starts from it", async () => {
        const { modelPath, model, temp } = await crashedInstall();
        const report = verifyFileStore(modelPath);
        expect(report.broken).toBeNull();
        expect(report.notes).toContain(
          `${temp} holds version 4, whose install a crash cut short: a restart puts it in place as ${modelPath} and starts from it`,
        );
        const restarted = new RoutingEngine({ modelPath, seed: 8, log: quiet });
        expect(restarted.policy.toJSON()).toEqual(model);
        await restarted.close();
      });

      it("is intact between the two renames, with no current snapshot and the new one in its temp file", async () => {
        const { modelPath } = await crashedInstall();
        renameSync(modelPath, `${modelPath}.prev`);
        expect(verifyFileStore(modelPath).broken).toBeNull();
      });
    });
  });

  describe("a model in use", () => {
    it("says so when a live process holds the model's lock, and not when the lock is a dead process's", () => {
      const modelPath = copyOf(worked);
      const lock = fileStorePaths(modelPath).lock;
      writeFileSync(lock, String(process.ppid));
      const report = verifyFileStore(modelPath);
      expect(report.broken).toBeNull();
      expect(report.notes[0]).toBe(
        `${lock}: process ${process.ppid} holds the model; what it writes while this check reads can show as a broken link: stop it first, or check a copy of the folder`,
      );
      writeFileSync(lock, "4194305"); // above Linux's largest pid: gone
      expect(verifyFileStore(modelPath).notes.some((note) => note.includes("holds the model"))).toBe(false);
    });
  });

  describe("the snapshot", () => {
    it("names a snapshot whose model_version was removed while receipts exist", () => {
      const modelPath = copyOf(worked);
      const { model_version: _, ...rest } = JSON.parse(readFileSync(modelPath, "utf8"));
      writeFileSync(modelPath, JSON.stringify(rest));
      const report = verifyFileStore(modelPath);
      expect(report.broken?.part).toBe("snapshot");
      expect(report.broken?.reason).toBe(
        `${modelPath} has no model_version, but the receipts name versions up to 3: every snapshot the store writes carries ` +
          "its version (replaced by an older or foreign file, or its version removed?)",
      );
    });

    it("names a deleted snapshot, though a restart would fall back to the previous one", () => {
      const modelPath = copyOf(worked);
      rmSync(modelPath);
      expect(verifyFileStore(modelPath).broken).toEqual({
        part: "snapshot",
        reason: `${modelPath} is missing, but the receipts name version 3 (deleted?): a restart would start from ${modelPath}.prev (version 2)`,
      });
    });

    it("names a snapshot a restart found damaged and moved aside, until the next snapshot takes its place", async () => {
      const modelPath = copyOf(worked);
      writeFileSync(modelPath, readFileSync(modelPath, "utf8").replace('"epsilon":', '"epsilon": '));
      const restarted = new RoutingEngine({ modelPath, seed: 8, log: quiet });
      expect(verifyFileStore(modelPath).broken?.reason).toMatch(
        new RegExp(
          `^${modelPath} is missing, but the receipts name version 3 \\(a restart found it damaged and moved it to ${modelPath}\\.corrupt-\\d+\\): ` +
            `a restart would start from ${modelPath}\\.prev \\(version 2\\)$`,
        ),
      );
      await restarted.close();
      expect(verifyFileStore(modelPath).broken).toBeNull();
    });

    it("names both snapshots deleted while receipts name a version", () => {
      const modelPath = copyOf(worked);
      rmSync(modelPath);
      rmSync(`${modelPath}.prev`);
      expect(verifyFileStore(modelPath).broken?.reason).toBe(
        `${modelPath} is missing, but the receipts name version 3 (deleted?): a restart would start from no snapshot, ` +
          "replaying the journal from segment 1",
      );
    });

    it("names a snapshot deleted after a crash cut its install short once the temp file is gone too", async () => {
      const modelPath = copyOf(worked);
      rmSync(modelPath);
      writeFileSync(join(dirname(modelPath), ".model.json.4194305.0123456789ab.tmp"), "{}"); // not the receipt's bytes
      expect(verifyFileStore(modelPath).broken?.reason).toMatch(/model\.json is missing, but the receipts name version 3/);
    });

    it("names a snapshot replaced by a folder", () => {
      const modelPath = copyOf(worked);
      rmSync(modelPath);
      mkdirSync(modelPath);
      expect(verifyFileStore(modelPath).broken).toEqual({ part: "snapshot", reason: `${modelPath} is a folder, not a snapshot` });
    });

    it("names snapshots swapped with each other", () => {
      const modelPath = copyOf(worked);
      renameSync(modelPath, join(dirname(modelPath), "current"));
      renameSync(`${modelPath}.prev`, modelPath);
      renameSync(join(dirname(modelPath), "current"), `${modelPath}.prev`);
      expect(verifyFileStore(modelPath).broken?.reason).toBe(
        `${modelPath}.prev is version 3, not older than ${modelPath} (version 2): swapped or replaced?`,
      );
    });
  });

  describe("the path", () => {
    it("refuses a path where there is no file store", () => {
      const modelPath = join(tempDir(), "nothing-here.json");
      expect(() => verifyFileStore(modelPath)).toThrow(NotAFileStoreError);
      expect(() => verifyFileStore(modelPath)).toThrow(
        `${modelPath} does not exist, nor a receipts file, journal or audit trail`,
      );
    });

    it("refuses the model's folder, naming the model file in it", () => {
      const dir = dirname(copyOf(worked));
      expect(() => verifyFileStore(dir)).toThrow(
        `${dir} is a folder: give the model file in it (the engine's modelPath), e.g. ${join(dir, "model.json")}`,
      );
    });
  });

  describe("the audit trail", () => {
    it("spans several segments in the folder these tests damage", () => {
      expect(listSegments(fileStorePaths(audited).audit).length).toBeGreaterThanOrEqual(4);
      expect(verifyFileStore(copyOf(audited)).broken).toBeNull();
    });

    it("names the first segment when it was deleted, and when the first three were", () => {
      for (const removed of [[1], [1, 2, 3]]) {
        const modelPath = copyOf(audited);
        for (const segment of removed) rmSync(segmentFile(modelPath, segment, "audit"));
        const next = segmentFile(modelPath, removed.length + 1, "audit");
        expect(verifyFileStore(modelPath).broken).toEqual({
          part: "audit",
          reason: `${segmentFile(modelPath, 1, "audit")} is missing (${next} comes first), and ${fileStorePaths(modelPath).anchors} names no retention: the store removes audit segments only under auditRetention (deleted?)`,
        });
      }
    });

    it("names the audit trail deleted as a whole beside a journal", () => {
      const modelPath = copyOf(audited);
      rmSync(fileStorePaths(modelPath).audit, { recursive: true });
      expect(verifyFileStore(modelPath).broken?.reason).toMatch(
        /model\.json\.audit holds no audit segment, but the journal exists/,
      );
    });

    it("names a whole last record that was edited, which a restart would drop as if torn", () => {
      const modelPath = copyOf(worked);
      const last = segmentFile(modelPath, 1, "audit");
      const lines = linesOf(last);
      lines[lines.length - 1] = lines.at(-1)!.replace(/"status":"\w+"/, '"status":"rejected"');
      writeLines(last, lines);
      expect(verifyFileStore(modelPath).broken).toEqual({
        part: "audit",
        reason: expect.stringMatching(
          new RegExp(
            `^${last} line ${lines.length} \\(byte \\d+\\) is a whole line whose checksum or JSON is bad: edited or damaged`,
          ),
        ),
      });
    });
  });

  describe("the journal", () => {
    it("names the two newest segments swapped, whose replay would skip what the snapshot holds", () => {
      const modelPath = copyOf(worked);
      const [third, fourth] = [segmentFile(modelPath, 3), segmentFile(modelPath, 4)];
      const firstOfThird = recordOf(linesOf(third)[0]!).record.decision_id;
      renameSync(third, `${third}.x`);
      renameSync(fourth, third);
      renameSync(`${third}.x`, fourth);
      expect(verifyFileStore(modelPath).broken).toEqual({
        part: "journal",
        reason:
          `${fourth} line 1: decision ${firstOfThird} had finished before ${modelPath} was taken: a restart would skip it ` +
          "(a segment from before its cut?)",
      });
    });

    it("names the segment the snapshot replays from when it was deleted, and the one the previous snapshot needs", () => {
      const who = { 4: "a restart from model.json", 3: "the fall back to model.json.prev" };
      for (const removed of [4, 3] as const) {
        const modelPath = copyOf(worked);
        const missing = segmentFile(modelPath, removed);
        rmSync(missing);
        expect(verifyFileStore(modelPath).broken).toEqual({
          part: "journal",
          reason:
            `${missing} is missing: ${who[removed].replace("model.json", modelPath)} replays every segment from ` +
            `${segmentName(removed)} on, in sequence, and the store removes only segments no snapshot needs (deleted or renamed?)`,
        });
      }
    });

    it("names a segment from another model put after the newest, whose outcomes have no decision here", () => {
      const modelPath = copyOf(worked);
      cpSync(segmentFile(other, 4), segmentFile(modelPath, 5));
      const answered = linesOf(segmentFile(other, 4))
        .map(recordOf)
        .find((event) => event.type === "outcome");
      expect(verifyFileStore(modelPath).broken?.reason).toMatch(
        new RegExp(
          `^${segmentFile(modelPath, 5)} line \\d+: outcome of decision ${answered.decision_id}, which is not pending there`,
        ),
      );
    });

    it("names the record that uses a candidate list whose line was deleted, as the engine refuses to start", () => {
      const modelPath = copyOf(worked);
      const fourth = segmentFile(modelPath, 4);
      const lines = linesOf(fourth);
      const { list } = recordOf(lines[0]!);
      writeLines(fourth, lines.slice(1));
      const reason = verifyFileStore(modelPath).broken?.reason;
      expect(reason).toMatch(
        new RegExp(`^${fourth} line 1: stored event [\\w-]+: uses candidate list ${list}, which no earlier`),
      );
      expect(reason).toMatch(/a restart from .*model\.json would stop here$/);
      expect(() => new RoutingEngine({ modelPath, seed: 8, log: quiet })).toThrow(StoredEventError);
    });

    it("names an outcome whose decision's line was deleted, which a restart would skip", () => {
      const modelPath = copyOf(worked);
      const fourth = segmentFile(modelPath, 4);
      const lines = linesOf(fourth);
      const removed = recordOf(lines[1]!).record.decision_id;
      writeLines(fourth, lines.toSpliced(1, 1));
      const at = linesOf(fourth).findIndex((line) => line.includes(`"type":"outcome","decision_id":"${removed}"`)) + 1;
      expect(verifyFileStore(modelPath).broken?.reason).toMatch(
        new RegExp(`^${fourth} line ${at}: outcome of decision ${removed}, which is not pending there`),
      );
    });

    it("names a decision deleted from before the snapshot's cut, where the previous snapshot's replay would miss it", () => {
      const modelPath = copyOf(worked);
      const third = segmentFile(modelPath, 3);
      writeLines(third, linesOf(third).toSpliced(5, 1));
      expect(verifyFileStore(modelPath).broken?.reason).toBe(
        `${third} hold 5 decisions, but ${modelPath} counted 6 after ${modelPath}.prev: lines or segments removed or added ` +
          `there (a fall back to ${modelPath}.prev would give another model)`,
      );
    });

    it("names a whole last line that was edited, which a restart would drop as if torn", () => {
      const modelPath = copyOf(worked);
      const fourth = segmentFile(modelPath, 4);
      const lines = linesOf(fourth);
      lines[lines.length - 1] = lines.at(-1)!.replace('"success":', '"success": ');
      writeLines(fourth, lines);
      expect(verifyFileStore(modelPath).broken?.reason).toMatch(
        new RegExp(`^${fourth} line 12 \\(byte \\d+\\) is a whole line whose checksum or JSON is bad`),
      );
    });

    it("damages copies only: a restart recovers the model from the untouched folder", async () => {
      const restarted = new RoutingEngine({ modelPath: copyOf(worked), seed: 8, log: quiet });
      expect(restarted.policy.toJSON()).toEqual(workedModel);
      await restarted.close();
    });
  });

  describe("naming the broken part", () => {
    it("names the receipts when their path is a folder", () => {
      const modelPath = copyOf(worked);
      const { receipts } = fileStorePaths(modelPath);
      rmSync(receipts);
      mkdirSync(receipts);
      expect(verifyFileStore(modelPath).broken).toEqual({
        part: "receipts",
        reason: `${receipts} cannot be read (EISDIR: illegal operation on a directory, read)`,
      });
    });

    it("names the part that holds a framed null record, and its line", () => {
      const cases = [
        ["receipts", (modelPath: string) => fileStorePaths(modelPath).receipts, "is not a receipt: null"],
        ["journal", (modelPath: string) => segmentFile(modelPath, 4), ": stored event is not an object: a restart from"],
        [
          "audit",
          (modelPath: string) => segmentFile(modelPath, listSegments(fileStorePaths(modelPath).audit).at(-1)!, "audit"),
          "is not an audit record: null",
        ],
      ] as const;
      for (const [part, fileOf, says] of cases) {
        const modelPath = copyOf(audited);
        const file = fileOf(modelPath);
        appendFileSync(file, frameLine("null"));
        const { broken } = verifyFileStore(modelPath);
        expect(broken?.part).toBe(part);
        expect(broken?.reason).toContain(`${file} line ${linesOf(file).length}`);
        expect(broken?.reason).toContain(says);
      }
    });
  });
});
