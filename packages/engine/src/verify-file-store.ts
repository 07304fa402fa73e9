import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { AuroraError } from "@aurora/domain";
import { type DecisionRecord, Executor, FEEDBACK_RECEIVED, type Finished } from "@aurora/executor";
import type { ChainedAuditRecord } from "./audit-chain.js";
import { verifyAuditChain } from "./audit-chain.js";
import type { Receipt } from "./engine-store.js";
import { JournalEventDecoder } from "./event-codec.js";
import { holderAlive, type LockHolder, parseLockHolder } from "./file-lock.js";
import { fileStorePaths } from "./file-store.js";
import { GENESIS_HASH, sha256Hex } from "./hash-chain.js";
import { listSegments, readFramedFile, segmentName } from "./journal.js";
import { decisionsWithoutEntry, type EntriesFound, entryIdsAfter } from "./journal-audit.js";
import { verifyReceiptChain } from "./receipt.js";
import type { EngineEvent } from "./routing-engine.js";
import { type AuditAnchor, type ReceiptsAnchor, readAnchors } from "./store-anchors.js";

/** What `aurora-verify` found. `broken` names the first broken link; `notes` says what was checked. */
export interface VerifyReport {
  ok: boolean;
  broken: { part: VerifiedPart; reason: string } | null;
  notes: string[];
}

type VerifiedPart = "anchors" | "receipts" | "snapshot" | "audit" | "journal";

/** The path given to `verifyFileStore` holds no file store: a usage error, not a broken link (`aurora-verify` exits 2). */
export class NotAFileStoreError extends AuroraError {
  readonly path: string;

  constructor(path: string, reason: string) {
    super("NOT_A_FILE_STORE", `${path} ${reason}`);
    this.path = path;
  }
}

/**
 * Checks a file store without changing it, stopping at the first broken link: the receipt chain;
 * the snapshots against their receipts, and that the one a restart starts from is the newest
 * receipt's (or, after a crash cut its install short, the one before); the audit trail's hash
 * chain from its first record across every segment; and the journal as a restart replays it:
 * the segments from the snapshot's cut on present and in sequence, every record decoded, every
 * event applying where it stands. Throws `NotAFileStoreError` when `path` holds no file store.
 */
export function verifyFileStore(path: string): VerifyReport {
  const paths = fileStorePaths(path);
  assertFileStore(paths);
  const notes: string[] = [];
  const holder = liveHolder(paths.lock);
  if (holder !== undefined) {
    notes.push(
      `${paths.lock}: process ${holder} holds the model; what it writes while this check reads can show as a broken link: stop it first, or check a copy of the folder`,
    );
  }
  try {
    const anchors = check("anchors", () => readAnchors(paths.anchors));
    const receipts = check("receipts", () => checkReceipts(paths, anchors.receipts, notes));
    const { start, fallback } = check("snapshot", () => checkSnapshots(paths, receipts, notes));
    const audited = check("audit", () => checkAudit(paths, anchors.audit, start, notes));
    check("journal", () => checkJournal(paths, start, fallback, audited, notes));
  } catch (error) {
    if (!(error instanceof BrokenLink)) throw error;
    return { ok: false, broken: { part: error.part, reason: error.message }, notes };
  }
  return { ok: true, broken: null, notes };
}

type Paths = ReturnType<typeof fileStorePaths>;

/** What one check found wrong; `check` names the part. */
class Broken extends Error {}

class BrokenLink extends Error {
  readonly part: VerifiedPart;

  constructor(part: VerifiedPart, reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.part = part;
  }
}

/** Runs the check of one part: whatever stops it (a file it cannot read, a record of the wrong shape) is that part's broken link. */
function check<T>(part: VerifiedPart, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw new BrokenLink(part, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function assertFileStore(paths: Paths): void {
  const beside = [paths.previous, paths.receipts, paths.journal, paths.audit].some((file) => existsSync(file));
  if (beside) return;
  let isFolder = false;
  try {
    isFolder = statSync(paths.snapshot).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new NotAFileStoreError(
      paths.snapshot,
      "does not exist, nor a receipts file, journal or audit trail beside it: give the engine's modelPath, e.g. ./aurora-model.json",
    );
  }
  if (!isFolder) {
    if (!hasModelVersion(paths.snapshot)) {
      throw new NotAFileStoreError(
        paths.snapshot,
        "has no receipts file, journal or audit trail beside it, and is no snapshot the engine's file store wrote (no model_version): " +
          "nothing is chained to verify (a model file no engine has opened yet, the Python engine's, or not a model)",
      );
    }
    return;
  }
  const models = readdirSync(paths.snapshot)
    .filter((name) => name.endsWith(".receipts"))
    .map((name) => join(paths.snapshot, name.slice(0, -".receipts".length)));
  throw new NotAFileStoreError(
    paths.snapshot,
    `is a folder: give the model file in it (the engine's modelPath)${models.length > 0 ? `, e.g. ${models.join(" or ")}` : ""}`,
  );
}

/** Whether the file at `path` is a JSON object with a `model_version`: a snapshot the file store wrote, whatever else is missing. */
function hasModelVersion(path: string): boolean {
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    return isObject(value) && value.model_version !== undefined;
  } catch {
    return false;
  }
}

/**
 * The records of a framed file as the engine reads them (`readFramedFile`, nothing repaired),
 * with one refusal more: the engine drops a bad tail of the newest file whatever it looks like,
 * but a crash leaves only a last line without its end. A whole last line that fails its checksum
 * or JSON was edited or damaged, and a restart would lose it without a word.
 */
function readFramed(path: string, last: boolean): { records: unknown[]; tornBytes: number } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], tornBytes: 0 };
    throw new Broken(`${path} cannot be read (${(error as Error).message})`);
  }
  // Read after `text`: a file being appended to only grows, so a line whole in `text` is whole in what this reads.
  const { records, droppedBytes } = readFramedFile(path, { last, repair: false });
  if (droppedBytes === 0) return { records, tornBytes: 0 };
  const start = lineStart(text, records.length);
  if (start !== undefined && text.indexOf("\n", start) >= 0) {
    throw new Broken(
      `${path} line ${records.length + 1} (byte ${Buffer.byteLength(text.slice(0, start))}) is a whole line whose checksum ` +
        "or JSON is bad: edited or damaged, not a torn tail (a crash leaves a last line without its end); a restart would drop it",
    );
  }
  return { records, tornBytes: droppedBytes };
}

/** Where line `index` (0-based) of `text` starts; undefined when `text` has fewer lines. */
function lineStart(text: string, index: number): number | undefined {
  let start = 0;
  for (let i = 0; i < index; i++) {
    const end = text.indexOf("\n", start);
    if (end < 0) return undefined;
    start = end + 1;
  }
  return start;
}

function tornNote(path: string, bytes: number): string {
  return `${path}: an incomplete last line of ${bytes} bytes, the torn tail a crash leaves (a restart drops it)`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkReceipts(paths: Paths, anchor: ReceiptsAnchor | undefined, notes: string[]): Receipt[] {
  const { records, tornBytes } = readFramed(paths.receipts, true);
  if (tornBytes > 0) notes.push(tornNote(paths.receipts, tornBytes));
  records.forEach((record, i) => {
    if (!isObject(record)) throw new Broken(`${paths.receipts} line ${i + 1} is not a receipt: ${JSON.stringify(record)}`);
  });
  const receipts = records as Receipt[];
  const first = receipts[0];
  // The first receipt is version 1, or one the store pruned back to (the anchor, written first),
  // or an older one a crash left before the pruning that anchored it rewrote the file.
  const pruned = first !== undefined && first.version !== 1;
  if (pruned && !anchor) {
    throw new Broken(
      `receipt version ${first.version} comes first, not version 1, and ${paths.anchors} names no pruning: the receipts before it were removed`,
    );
  }
  if (pruned && anchor && first.version > anchor.version) {
    throw new Broken(
      `receipt version ${first.version} comes first, but ${paths.anchors} says the store kept every receipt from version ${anchor.version} on: the ones between were removed`,
    );
  }
  const chainBreak = verifyReceiptChain(receipts, pruned ? null : undefined);
  if (chainBreak) throw new Broken(chainBreak.reason);
  const anchored = anchor ? receipts.find((receipt) => receipt.version === anchor.version) : undefined;
  if (anchor && anchored && anchored.prev !== anchor.prev) {
    throw new Broken(
      `receipt version ${anchor.version}: prev ${anchored.prev.slice(0, 12)}… is not the ${anchor.prev.slice(0, 12)}… ${paths.anchors} recorded when the receipts before it were pruned`,
    );
  }
  const from = pruned
    ? ` from version ${first.version} (the older ones pruned${anchor ? `, anchored at version ${anchor.version}` : ""})`
    : "";
  notes.push(`receipts: ${receipts.length} linked${from}, newest version ${receipts.at(-1)?.version ?? "none"}`);
  return receipts;
}

/** A snapshot file as a restart reads it, checked against its receipt. */
interface Snapshot {
  path: string;
  value: Record<string, unknown>;
  version: number | undefined;
  /** The first journal segment it does not hold (`journal_segment`; 0 when absent, as the engine takes it). */
  cut: number;
}

function readSnapshot(path: string, receipts: readonly Receipt[], notes: string[]): Snapshot | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === "ENOENT") return undefined;
    if (code === "EISDIR") throw new Broken(`${path} is a folder, not a snapshot`);
    throw new Broken(`${path} cannot be read (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new Broken(`${path} is not valid JSON (torn or altered)`);
  }
  if (!isObject(value)) throw new Broken(`${path} is not a JSON object (altered or foreign)`);
  const { model_version: version, journal_segment: cut } = value;
  // The engine takes a value that is not a whole number as absent, which would skip the receipt check or replay every segment.
  if (version !== undefined && !Number.isSafeInteger(version)) {
    throw new Broken(`${path}: model_version ${JSON.stringify(version)} is not a version number (edited?)`);
  }
  if (cut !== undefined && !(Number.isSafeInteger(cut) && (cut as number) >= 0)) {
    throw new Broken(`${path}: journal_segment ${JSON.stringify(cut)} is not a segment number (edited?)`);
  }
  if (version === undefined) {
    notes.push(`${path}: no model_version (a file written before receipts, or the Python engine's)`);
  } else {
    const receipt = receipts.find((r) => r.version === version);
    if (!receipt) throw new Broken(`${path} says it is version ${version}, but no receipt has that version`);
    const sha256 = sha256Hex(bytes);
    if (sha256 !== receipt.sha256) {
      throw new Broken(`${path} (version ${version}) hashes to ${sha256}, not ${receipt.sha256} as its receipt says`);
    }
    notes.push(`${path}: version ${version} matches its receipt`);
  }
  return { path, value, version: version as number | undefined, cut: (cut as number | undefined) ?? 0 };
}

/**
 * A snapshot temp file (`.<name>.<pid>.<random>.tmp`) holding the bytes `receipt` names: that
 * snapshot was written and its receipt appended, and a crash stopped its install before it
 * was renamed into place (a restart removes the file).
 */
function interruptedInstall(snapshot: string, receipt: Receipt): string | undefined {
  const dir = dirname(snapshot);
  const prefix = `.${basename(snapshot)}.`;
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !/^\d+\.[0-9a-f]+\.tmp$/.test(name.slice(prefix.length))) continue;
    try {
      if (sha256Hex(readFileSync(join(dir, name))) === receipt.sha256) return join(dir, name);
    } catch {
      // Gone or unreadable: not the one.
    }
  }
  return undefined;
}

/** The newest copy of `snapshot` a restart moved aside as damaged (`<name>.corrupt-<time>`), if any. */
function setAside(snapshot: string): string | undefined {
  const prefix = `${basename(snapshot)}.corrupt-`;
  const times = readdirSync(dirname(snapshot))
    .filter((name) => name.startsWith(prefix))
    .map((name) => Number(name.slice(prefix.length)))
    .filter((time) => Number.isSafeInteger(time));
  return times.length > 0 ? `${snapshot}.corrupt-${Math.max(...times)}` : undefined;
}

/**
 * Each snapshot present must match its receipt, the previous one be older, and the one a restart
 * starts from (the current one; the previous one only when the current one is missing) be the
 * newest receipt's. A receipt is appended before its snapshot is renamed into place, so a crash
 * can leave the one before it in place, or (between the two renames of a synchronous install, or
 * before the first snapshot's) no current snapshot, with the new one still in its temp file.
 */
function checkSnapshots(
  paths: Paths,
  receipts: readonly Receipt[],
  notes: string[],
): { start: Snapshot | undefined; fallback: Snapshot | undefined } {
  const current = readSnapshot(paths.snapshot, receipts, notes);
  const previous = readSnapshot(paths.previous, receipts, notes);
  const newest = receipts.at(-1);
  const checkOrder = () => {
    if (current && previous?.version !== undefined && !(current.version !== undefined && current.version > previous.version)) {
      throw new Broken(
        `${previous.path} is version ${previous.version}, not older than ${current.path} (version ${current.version ?? "none"}): swapped or replaced?`,
      );
    }
  };
  // The newest snapshot whole in a temp file, model.json older or missing: a crash cut its install
  // short, and a restart finishes it and starts from it (the older one becomes the fallback).
  const interrupted = newest && current?.version !== newest.version ? interruptedInstall(paths.snapshot, newest) : undefined;
  if (newest && interrupted) {
    const finished = readSnapshot(interrupted, receipts, notes) as Snapshot;
    notes.push(
      `${interrupted} holds version ${newest.version}, whose install a crash cut short: a restart puts it in place as ${paths.snapshot} and starts from it`,
    );
    checkOrder();
    return { start: finished, fallback: current ?? previous };
  }
  const start = current ?? previous;
  const fallback = current ? previous : undefined;
  if (newest) checkStart(paths, newest, current, previous, notes);
  checkOrder();
  return { start, fallback };
}

/** The snapshot a restart starts from must be the newest receipt's, or the one before it where a crash explains it. */
function checkStart(
  paths: Paths,
  newest: Receipt,
  current: Snapshot | undefined,
  previous: Snapshot | undefined,
  notes: string[],
) {
  const start = current ?? previous;
  const describe = (snapshot: Snapshot | undefined) =>
    snapshot ? `${snapshot.path} (version ${snapshot.version ?? "none"})` : "no snapshot, replaying the journal from segment 1";
  // Looked for only where a crash could explain what is found: it reads each temp file there.
  const interrupted = !current || start?.version !== newest.version ? interruptedInstall(paths.snapshot, newest) : undefined;
  if (!current) {
    if (!interrupted) {
      const aside = setAside(paths.snapshot);
      throw new Broken(
        `${paths.snapshot} is missing, but the receipts name version ${newest.version} ` +
          `(${aside ? `a restart found it damaged and moved it to ${aside}` : "deleted?"}): ` +
          `a restart would start from ${describe(previous)}`,
      );
    }
    notes.push(`${paths.snapshot}: missing, and ${interrupted} holds version ${newest.version}: a crash cut its install short`);
  }
  const version = start?.version ?? 0;
  if (version === newest.version) return;
  if (version === newest.version - 1 && (start?.version !== undefined || interrupted)) {
    notes.push(
      `${describe(start)}: the newest receipt (version ${newest.version}) names a snapshot a crash kept from its place; a restart starts from this one`,
    );
    return;
  }
  if (start === undefined) {
    throw new Broken(
      `${paths.snapshot} and ${paths.previous} are missing, but the receipts name version ${newest.version}: a restart would start from ${describe(start)}`,
    );
  }
  if (start.version === undefined) {
    throw new Broken(
      `${start.path} has no model_version, but the receipts name versions up to ${newest.version}: every snapshot the store writes ` +
        "carries its version (replaced by an older or foreign file, or its version removed?)",
    );
  }
  throw new Broken(
    `${start.path} is version ${start.version}, but the receipts name versions up to ${newest.version}: a restart would start from ` +
      "a model older than the newest snapshot and the one before it (rolled back?)",
  );
}

/**
 * The audit trail's segments run without a gap from 1, or from the segment the store's retention
 * kept first (the anchor, written before it removed the older ones; a crash may leave some of
 * those), and its records from 1 (or the anchor's), each chained to the one before. A store that
 * keeps a journal keeps an audit trail too: both are opened together, and retention never removes
 * the segment being written. Returns the decision ids of its entries after the head `start`
 * recorded at its cut (`audit_seq`), or of every entry kept when retention removed the head's
 * segment; undefined when `start` recorded no head.
 */
function checkAudit(
  paths: Paths,
  anchor: AuditAnchor | undefined,
  start: Snapshot | undefined,
  notes: string[],
): EntriesFound | undefined {
  const segments = listSegments(paths.audit);
  if (segments.length === 0) {
    if (existsSync(paths.journal) && !journalEmpty(paths.journal)) {
      throw new Broken(
        `${paths.audit} holds no audit segment, but the journal exists: the store opens both, and never removes the audit segment it writes (deleted?)`,
      );
    }
    notes.push(
      existsSync(paths.journal)
        ? "audit: none yet (the journal holds nothing: the store stopped during its first start)"
        : "audit: none (a store without a journal keeps none)",
    );
    return undefined;
  }
  const firstSegment = segments[0] as number;
  const lastSegment = segments.at(-1) as number;
  if (firstSegment !== 1 && !anchor) {
    throw new Broken(
      `${join(paths.audit, segmentName(1))} is missing (${join(paths.audit, segmentName(firstSegment))} comes first), and ${paths.anchors} names no retention: the store removes audit segments only under auditRetention (deleted?)`,
    );
  }
  if (anchor && firstSegment > anchor.segment) {
    throw new Broken(
      `${join(paths.audit, segmentName(anchor.segment))} is missing (${join(paths.audit, segmentName(firstSegment))} comes first), but ${paths.anchors} says retention kept every segment from it on (deleted?)`,
    );
  }
  if (anchor && lastSegment < anchor.segment) {
    throw new Broken(
      `${join(paths.audit, segmentName(anchor.segment))} is missing: ${paths.anchors} says retention kept every segment from it on, and the newest is ${segmentName(lastSegment)} (deleted?)`,
    );
  }
  const records: ChainedAuditRecord[] = [];
  let anchoredAt: number | undefined;
  segments.forEach((segment, i) => {
    const file = join(paths.audit, segmentName(segment));
    if (segment !== firstSegment + i) {
      const missing = join(paths.audit, segmentName(firstSegment + i));
      throw new Broken(`${missing} is missing (${file} follows): retention removes only the oldest segments (deleted?)`);
    }
    if (segment === anchor?.segment) anchoredAt = records.length;
    const { records: read, tornBytes } = readFramed(file, i === segments.length - 1);
    if (tornBytes > 0) notes.push(tornNote(file, tornBytes));
    read.forEach((record, line) => {
      if (!isObject(record)) throw new Broken(`${file} line ${line + 1} is not an audit record: ${JSON.stringify(record)}`);
      records.push(record as unknown as ChainedAuditRecord);
    });
  });
  const first = records[0];
  if (first && firstSegment === 1 && first.seq !== 1) {
    throw new Broken(`audit record ${first.seq} comes first, not record 1: the records before it were removed`);
  }
  const atAnchor = anchoredAt === undefined ? undefined : records[anchoredAt];
  if (anchor && atAnchor && atAnchor.seq !== anchor.seq) {
    throw new Broken(
      `audit record ${atAnchor.seq} comes first in ${join(paths.audit, segmentName(anchor.segment))}, but ${paths.anchors} recorded record ${anchor.seq} there when retention removed the segments before it`,
    );
  }
  if (anchor && atAnchor && atAnchor.prev !== anchor.prev) {
    throw new Broken(
      `audit record ${atAnchor.seq}: prev is not the one ${paths.anchors} recorded when retention removed the segments before it (edited?)`,
    );
  }
  const auditBreak = verifyAuditChain(records, firstSegment === 1 ? GENESIS_HASH : null);
  if (auditBreak) throw new Broken(auditBreak.reason);
  const from =
    firstSegment === 1
      ? ""
      : ` from ${segmentName(firstSegment)} (older segments removed by retention${anchor ? `, anchored at ${segmentName(anchor.segment)}` : ""})`;
  notes.push(`audit: ${records.length} records linked${from}`);
  return checkAuditHead(records, anchor, start);
}

/**
 * The trail against the head the starting snapshot recorded at its cut: the store fsyncs the trail
 * up to there before it appends the snapshot's receipt, so a trail that ends before it, or holds
 * another record there, lost or replaced records a crash cannot account for. Returns the entries'
 * decision ids after the head (see `checkAudit`).
 */
function checkAuditHead(
  records: readonly ChainedAuditRecord[],
  anchor: AuditAnchor | undefined,
  start: Snapshot | undefined,
): EntriesFound | undefined {
  const seq = start?.value.audit_seq;
  const hash = start?.value.audit_hash;
  if (!Number.isSafeInteger(seq) || typeof hash !== "string") return undefined;
  const head = seq as number;
  // Where the kept chain begins: its first record, or (retention removed every segment that held one) the anchor's.
  const firstSeq = records[0]?.seq ?? anchor?.seq ?? 1;
  const lastSeq = records.at(-1)?.seq ?? firstSeq - 1;
  const cutBy = `${start?.path} (version ${start?.version}) was cut after audit record ${head}`;
  if (lastSeq < head) {
    throw new Broken(
      `the audit trail ends at record ${lastSeq}, but ${cutBy}, which the store fsyncs before the snapshot's ` +
        "receipt: the newest records were removed (or the folder is a copy taken while the store ran)",
    );
  }
  if (head < firstSeq - 1) {
    // Retention removed the segment that held the head: the records kept, all after it.
    const kept = new Set<string>();
    entryIdsAfter(records, head, kept);
    return { kept };
  }
  const at = head - firstSeq; // the chain checked: one record per seq, in order
  // The head is the record before the first kept: its hash is that one's prev (the anchor's, when none is kept).
  const recorded = at < 0 ? (records[0]?.prev ?? anchor?.prev ?? GENESIS_HASH) : (records[at] as ChainedAuditRecord).hash;
  if (recorded !== hash) {
    throw new Broken(`audit record ${head}'s hash is not the one ${start?.path} recorded at its cut (the trail replaced?)`);
  }
  const afterHead = new Set<string>();
  entryIdsAfter(records, head, afterHead);
  return { afterHead };
}

/** Whether the journal's segments hold nothing: a store stopped during its first start leaves them so. */
function journalEmpty(dir: string): boolean {
  return listSegments(dir).every((segment) => statSync(join(dir, segmentName(segment))).size === 0);
}

/**
 * A snapshot written by a store without a journal (`autoSave: false`): it has a version, but cut 0
 * (a store with a journal cuts at segment 2 or later). It holds every event journaled before it.
 */
function journalless(snapshot: Snapshot | undefined): boolean {
  // Cut at 0 by a version before journal-less snapshots cut past the segments they replayed, or marked.
  return snapshot?.version !== undefined && (snapshot.cut === 0 || snapshot.value.journal === false);
}

/** A journal event and where it stands, for messages. */
interface Located {
  where: string;
  record: DecisionRecord;
}

/**
 * The journal as a restart reads it: from the starting snapshot's cut on, segments in sequence
 * and each record decoded by one `JournalEventDecoder`, as `FileStore` does; then each event
 * applied as `replayEvents` would, refusing what it would skip without a word (a store with one
 * writer never journals an event a restart skips), and every decision left pending restored
 * into an executor, as the engine does, so that what would stop the restart is named here. The
 * segments a fall back to the previous snapshot would replay before that cut are checked too.
 * Only after a snapshot written without a journal are skipped events expected: those journaled
 * before it, which come first.
 */
function checkJournal(
  paths: Paths,
  start: Snapshot | undefined,
  fallback: Snapshot | undefined,
  audited: EntriesFound | undefined,
  notes: string[],
): void {
  const dir = paths.journal;
  const segments = listSegments(dir);
  const cut = start?.cut ?? 0;
  const from = Math.min(cut, fallback?.cut ?? cut);
  const needed = segments.filter((segment) => segment >= from);
  const fileOf = (segment: number) => join(dir, segmentName(segment));
  const starts = (snapshot: Snapshot | undefined) =>
    snapshot ? `a restart from ${snapshot.path}` : "a restart with no snapshot";
  // A snapshot written without a journal replays every segment there is, however old the first.
  const first = from === 0 && (journalless(start) || journalless(fallback)) ? (needed[0] ?? 1) : Math.max(from, 1);
  const older = segments.length - needed.length;
  if (older > 0) notes.push(`journal: ${older} segment(s) before ${segmentName(first)}, which no snapshot needs, not read`);
  if (needed.length === 0 && cut === 0) {
    notes.push("journal: no segment to replay");
    return;
  }
  let expected = first;
  for (const segment of needed) {
    if (segment !== expected) {
      const [who, cutOf] =
        expected < cut ? [`the fall back to ${fallback?.path}`, Math.max(from, 1)] : [starts(start), Math.max(cut, 1)];
      throw new Broken(
        `${fileOf(expected)} is missing: ${who} replays every segment from ${segmentName(cutOf)} on, in sequence, ` +
          "and the store removes only segments no snapshot needs (deleted or renamed?)",
      );
    }
    expected++;
  }
  // A snapshot written without a journal cuts just past the segments it replayed: the segment at
  // its cut appears only when a journaling run starts.
  const awaitedSegment = journalless(start) && cut === expected;
  if (cut > 0 && cut >= expected && !awaitedSegment) {
    throw new Broken(
      `${fileOf(cut)} is missing: ${starts(start)} replays every segment from ${segmentName(cut)} on, in sequence, ` +
        "and the store removes only segments no snapshot needs (deleted or renamed?)",
    );
  }
  const last = needed.at(-1) as number;

  const decode = (range: number[], who: string, each: (event: EngineEvent, where: string) => void) => {
    const decoder = new JournalEventDecoder();
    let count = 0;
    for (const segment of range) {
      const file = fileOf(segment);
      const { records, tornBytes } = readFramed(file, segment === last);
      if (tornBytes > 0) notes.push(tornNote(file, tornBytes));
      records.forEach((value, i) => {
        const where = `${file} line ${i + 1}`;
        let event: EngineEvent;
        try {
          event = decoder.decode(value);
        } catch (error) {
          throw new Broken(`${where}: ${(error as Error).message}: ${who} would stop here`);
        }
        each(event, where);
        count++;
      });
    }
    return count;
  };

  const executor = new Executor();
  const finished = start?.value.finished;
  if (finished !== undefined) {
    try {
      executor.restoreFinished(finished);
    } catch (error) {
      throw new Broken(
        `${start?.path}: its memory of finished decisions does not load (${(error as Error).message}): a restart would stop`,
      );
    }
  }
  const pending = new Map<string, Located>();
  const snapshotPending = start?.value.pending;
  if (Array.isArray(snapshotPending)) {
    snapshotPending.forEach((record: DecisionRecord, i) => {
      pending.set(record?.decision_id, { where: `${start?.path} pending[${i}]`, record });
    });
  }
  const finishedHere: [string, Finished][] = [];
  const replayed = needed.filter((segment) => segment >= cut);
  const skipped = "a restart would skip it";
  // Before a snapshot written without a journal, the journal holds what it holds already: a restart skips those events.
  let leading = journalless(start);
  let stale = 0;
  const journaled: { decision_id: string }[] = [];
  const skip = (reason: string) => {
    if (!leading) throw new Broken(reason);
    stale++;
  };
  const count = decode(replayed, starts(start), (event, where) => {
    if (event.type === "decision") {
      const id = event.record.decision_id;
      const earlier = pending.get(id);
      if (earlier) {
        return skip(
          `${where}: decision ${id} is already pending (${earlier.where}): ${skipped} (a segment out of order or repeated?)`,
        );
      }
      if (executor.isFinished(id)) {
        return skip(
          `${where}: decision ${id} had finished before ${start?.path} was taken: ${skipped} (a segment from before its cut?)`,
        );
      }
      leading = false;
      pending.set(id, { where, record: event.record });
      journaled.push({ decision_id: id });
      return;
    }
    if (!pending.delete(event.decision_id)) {
      return skip(
        `${where}: ${event.type} of decision ${event.decision_id}, which is not pending there (in none of the snapshot's pending ` +
          `decisions, nor decided earlier in the journal): ${skipped} (a line or segment missing, or one from another model?)`,
      );
    }
    leading = false;
    finishedHere.push([
      event.decision_id,
      event.type === "outcome" ? FEEDBACK_RECEIVED : { kind: "settled", settledAt: event.at },
    ]);
  });
  for (const [id, how] of finishedHere) executor.rememberFinished(id, how);
  for (const { where, record } of pending.values()) {
    try {
      executor.restorePending(record);
    } catch (error) {
      throw new Broken(
        `${where}: decision ${record?.decision_id} cannot be restored as pending (${(error as Error).message}): a restart would stop`,
      );
    }
  }
  notes.push(
    `journal: ${replayed.length} segment(s) from ${segmentName(replayed[0] ?? Math.max(cut, 1))} replay ${count} events in order, ` +
      `${pending.size} decision(s) pending after them`,
  );
  if (stale > 0) {
    notes.push(
      `journal: the first ${stale} events were journaled before ${start?.path}, written without a journal: a restart skips them`,
    );
  }
  const unaudited = audited === undefined ? [] : decisionsWithoutEntry(journaled, audited);
  if (unaudited === undefined) {
    notes.push(
      "audit: retention removed the audit segment that held the snapshot's head, and the trail keeps no entry of the journal's decisions after it: whether any lack one is not known",
    );
  } else if (unaudited.length > 0) {
    notes.push(
      `audit: ${unaudited.length} decision(s) in the journal after the snapshot have no audit entry (the first ${unaudited[0]?.decision_id}): ` +
        "the trail, written every 200 ms, lost the last moments before the store stopped; the next start restores them from the journal",
    );
  }

  const fallbackOnly = needed.filter((segment) => segment < cut);
  if (fallbackOnly.length > 0 && fallback && start) {
    const between = { decisions: 0, outcomes: 0 };
    const count = decode(fallbackOnly, `the fall back to ${fallback.path}`, (event) => {
      if (event.type === "decision") between.decisions++;
      else if (event.type === "outcome") between.outcomes++;
    });
    // Before a snapshot written without a journal, the journal holds events it holds already; and a
    // snapshot written without one counted decisions no journal holds: no count to compare.
    if (!journalless(fallback) && !journalless(start)) {
      checkCountersBetween(
        fallback,
        start,
        between,
        fallbackOnly.length === 1 ? fileOf(cut - 1) : `${fileOf(fallbackOnly[0] as number)} to ${segmentName(cut - 1)}`,
      );
    }
    notes.push(
      `journal: ${fallbackOnly.length} segment(s) from ${segmentName(fallbackOnly[0] as number)} for the fall back to ${fallback.path}, ${count} records decoded`,
    );
  }
}

/** A snapshot's executor counters (`counters.executor`): decisions made and outcomes accepted, as far as it had counted. */
function executorCounts(snapshot: Snapshot): { decisions: number; outcomes: number } | undefined {
  const executor = (snapshot.value.counters as { executor?: { total_decisions?: unknown; outcomes?: unknown } } | undefined)
    ?.executor;
  const decisions = executor?.total_decisions;
  const outcomes = Array.isArray(executor?.outcomes) ? executor.outcomes[0] : undefined;
  if (typeof decisions !== "number" || typeof outcomes !== "number") return undefined;
  return { decisions, outcomes };
}

/**
 * The journal between two snapshots' cuts holds exactly the decisions and outcomes the newer one
 * counted after the older one (a restart in between counts the events it replays, as live traffic
 * did): a line or segment removed or added there shows as a difference. Snapshots written before
 * counters were kept are not compared.
 */
function checkCountersBetween(
  older: Snapshot,
  newer: Snapshot,
  journal: { decisions: number; outcomes: number },
  range: string,
): void {
  const before = executorCounts(older);
  const after = executorCounts(newer);
  if (!before || !after) return;
  for (const kind of ["decisions", "outcomes"] as const) {
    const counted = after[kind] - before[kind];
    if (counted !== journal[kind]) {
      throw new Broken(
        `${range} hold ${journal[kind]} ${kind}, but ${newer.path} counted ${counted} after ${older.path}: lines or segments ` +
          `removed or added there (a fall back to ${older.path} would give another model)`,
      );
    }
  }
}

/** The pid in the lock file when that process is alive and not this one; a lock only a dead process left says nothing. */
function liveHolder(lockPath: string): number | undefined {
  let holder: LockHolder | undefined;
  try {
    holder = parseLockHolder(readFileSync(lockPath, "utf8"));
  } catch {
    return undefined;
  }
  return holder !== undefined && holder.pid !== process.pid && holderAlive(holder) ? holder.pid : undefined;
}
