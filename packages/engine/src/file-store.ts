import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { link, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { parseWith, ValidationError } from "@aurora/domain";
import type { DecisionRecord } from "@aurora/executor";
import { AuditChain, type ChainedAuditRecord } from "./audit-chain.js";
import { auditRetentionSchema } from "./engine-options.js";
import type { AuditRecord, EngineStore, FsyncPolicy, Receipt, Recovered, StoreStatus } from "./engine-store.js";
import { JournalEventDecoder, JournalEventEncoder } from "./event-codec.js";
import { acquireFileLock } from "./file-lock.js";
import { GENESIS_HASH, sha256Hex } from "./hash-chain.js";
import {
  firstFramedRecord,
  frameLine,
  JournalCorruptError,
  JournalWriter,
  lastGoodFramedRecord,
  listSegments,
  readFramedFile,
  readJournal,
  segmentName,
} from "./journal.js";
import { decisionsWithoutEntry, type EntriesFound, entryIdsAfter, restoredEntry } from "./journal-audit.js";
import { fsyncDirectory, fsyncDirectoryAsync, ModelFileError, writeFileAtomicSync } from "./model-file.js";
import { makeReceipt } from "./receipt.js";
import type { EngineEvent } from "./routing-engine.js";
import { snapshotTempPath, type WrittenSnapshot, writeSnapshotTemp, writeSnapshotTempSync } from "./snapshot-writer.js";
import { readAnchors, type StoreAnchors, writeAnchors } from "./store-anchors.js";

const fsyncAsync = promisify(fsync);

/**
 * How much of the audit trail the file store keeps. Whole segments go, the oldest first, never the
 * one being written; the first kept is anchored in `<path>.anchors` (so `aurora-verify` tells
 * retention from loss). Unset, or both fields unset: every segment is kept.
 */
export interface AuditRetention {
  /** Keep at most this many bytes of audit segments (the one being written counts, and is always kept). */
  maxBytes?: number;
  /** Remove a segment once its last write is older than this many milliseconds. */
  maxAgeMs?: number;
}

export interface FileStoreOptions {
  /** The JSON snapshot (the engine's `modelPath`); the journal, receipts and audit trail live beside it. */
  path: string;
  /** Keep a journal of events (default true). Without it only explicit snapshots are written. */
  journal?: boolean;
  /** When a feedback is acknowledged; default `"always"` (see `FsyncPolicy`). */
  fsync?: FsyncPolicy;
  /** A background snapshot is due once the journal since the last one is this many times the snapshot's size (default 1). */
  compactRatio?: number;
  /**
   * …and at least this many bytes (default 8 MiB). Without a floor a small model is snapshotted
   * every few decisions, and every snapshot prints the whole table again: at 10,000 Q-states
   * (a 1.5 MB snapshot) that was ~22% of the main thread under load. A crash then replays at
   * most this much journal (~8,000 decide+feedback pairs, well under a second).
   */
  minCompactBytes?: number;
  /**
   * …or, below that floor, once this many milliseconds have passed since the last snapshot
   * (default 1,000): the JSON model at `path` then follows a small model's learning (every
   * `saveEvery` decisions, at most once a second), as the seed's file did, at a bounded cost.
   */
  minSnapshotIntervalMs?: number;
  /** Audit segments roll over at this size in bytes (default 64 MiB). */
  auditSegmentBytes?: number;
  /** How much audit trail to keep (default: all of it); checked at open, at each rollover and once a minute. */
  auditRetention?: AuditRetention;
  /**
   * Receipts kept (default 1,024, at least 16): once the receipts file holds twice as many, the
   * older ones are removed, the first kept anchored in `<path>.anchors`. A start needs only the
   * newest few; every receipt is ~260 bytes, and a small model snapshots up to once a second.
   */
  keepReceipts?: number;
  /** Where recovery notes go (a dropped torn tail, a refused snapshot); default `console.warn`. */
  log?: (message: string) => void;
  /** Injected for tests; default `new Date().toISOString()`. */
  now?: () => string;
}

/** The files of a file store, all beside the snapshot. */
export function fileStorePaths(path: string) {
  return {
    snapshot: path,
    previous: `${path}.prev`,
    journal: `${path}.journal`,
    receipts: `${path}.receipts`,
    audit: `${path}.audit`,
    anchors: `${path}.anchors`,
    lock: `${path}.lock`,
  };
}

/** Keys a file store adds to the snapshot it writes (ignored by policies that read the file). */
interface SnapshotHeader {
  model_version?: number;
  journal_segment?: number;
  /** false: written by a store that does not journal (`autoSave: false`): nothing it added since the previous snapshot is in the journal. */
  journal?: false;
  /**
   * The audit chain's head at the cut: the `seq` and `hash` of the last audit record of the
   * decisions the snapshot holds (0 and genesis before the first). The audit trail is fsync'd up
   * to there before the snapshot's receipt is written, so a trail that ends before it lost records.
   */
  audit_seq?: number;
  audit_hash?: string;
}

/** The size at which an audit segment rolls over when `auditSegmentBytes` is not given (64 MiB); retention removes whole segments. */
export const DEFAULT_AUDIT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Receipts a start keeps in memory, the newest: more than the snapshots it may load need. */
const RECEIPTS_KEPT = 16;
const DEFAULT_MIN_COMPACT_BYTES = 8 * 1024 * 1024;
const DEFAULT_MIN_SNAPSHOT_INTERVAL_MS = 1_000;
const DEFAULT_KEEP_RECEIPTS = 1_024;
/** How often the audit trail's age is checked under `maxAgeMs` (rollovers and opens check too). */
const RETENTION_CHECK_MS = 60_000;

/** The key under which a failing fsync of the audit trail for a snapshot is logged once (`#failing`). */
const AUDIT_SYNC = "the audit trail's fsync for a snapshot";

/** Thrown inside an asynchronous install once a synchronous snapshot has taken its place. */
const SUPERSEDED = Symbol("superseded by a synchronous snapshot");

/**
 * The embedded store: a JSON snapshot at `path` (the Python engine's file loads as one), an
 * append-only journal of events beside it (`<path>.journal/`, checksummed lines in numbered
 * segments), the previous good snapshot (`<path>.prev`), a hash chain of receipts
 * (`<path>.receipts`) and a hash-chained audit trail (`<path>.audit/`).
 *
 * A snapshot starts a new journal segment at the moment it is taken, so the snapshot plus the
 * segments from its `journal_segment` on are exactly the model. Segments older than the previous
 * snapshot's are deleted once a new snapshot is in place.
 */
export class FileStore implements EngineStore {
  readonly kind = "file";
  readonly #paths: ReturnType<typeof fileStorePaths>;
  readonly #journalOn: boolean;
  readonly #fsync: FsyncPolicy;
  readonly #compactRatio: number;
  readonly #minCompactBytes: number;
  readonly #minSnapshotIntervalMs: number;
  /** When the last snapshot was installed (or the store opened), by `performance.now()`. */
  #lastSnapshotAt = performance.now();
  readonly #auditSegmentBytes: number;
  readonly #log: (message: string) => void;
  readonly #now: () => string;
  #writer: JournalWriter | undefined;
  #audit: JournalWriter | undefined;
  #chain = new AuditChain();
  /**
   * The newest audit segment as `#openAudit` read it (torn tail repaired), for the first
   * `recentAudit` (the engine's, right after open) not to read it again: held weakly, so it pins
   * no memory, and used only while nothing was appended after it (`seq`).
   */
  #lastAuditRead: { segment: number; seq: number; records: WeakRef<ChainedAuditRecord[]> } | undefined;
  #encoder = new JournalEventEncoder();
  #receipt: Receipt | undefined;
  /** The journal segment the current snapshot starts from (segments before it are covered). */
  #cut = 0;
  /** The audit record `seq` at the cut of the snapshot the store opened on (its `audit_seq`); undefined when it did not record one. */
  #auditAtCut: number | undefined;
  #snapshotBytes = 0;
  #eventsSinceSnapshot = 0;
  #releaseLock: (() => void) | undefined;
  #opened: Recovered | undefined;
  #snapshotting: Promise<unknown> = Promise.resolve();
  /** Counts the synchronous snapshots that began to put themselves in place: an asynchronous one cut before them gives up. */
  #syncInstalls = 0;
  /** The newest synchronous snapshot in place, and the `#syncInstalls` it counted. */
  #lastSyncInstall: { count: number; receipt: Receipt } | undefined;
  /** The private files of the asynchronous snapshot being put in place, which a synchronous one removes before its own install. */
  #installing: { temp: string; kept: string } | undefined;
  #lastError: unknown;
  /** The audit trail's last rotation failed (logged once until one succeeds). */
  #auditRotationFailing = false;
  readonly #auditRetention: AuditRetention | undefined;
  readonly #keepReceipts: number;
  /** Receipts in the receipts file. */
  #receiptCount = 0;
  /** What was pruned so far; undefined when the anchors file could not be read (then nothing is pruned). */
  #anchors: StoreAnchors | undefined;
  /** Where the audit segment being written starts: its number, and its first record's `seq` and `prev`. */
  #auditStart: { segment: number; seq: number; prev: string } | undefined;
  /** The housekeeping whose last attempt failed (pruning, the audit trail's fsync for a snapshot), logged once until one succeeds. */
  readonly #failing = new Set<string>();
  /** Checks the audit trail's age once a minute, when `auditRetention.maxAgeMs` is set. */
  #retentionTimer: NodeJS.Timeout | undefined;

  /** False for a store that does not journal (`journal: false`): a restart goes back to the last snapshot. */
  get journals(): boolean {
    return this.#journalOn;
  }

  constructor(options: FileStoreOptions) {
    if (typeof options?.path !== "string" || options.path.length === 0) {
      throw new ModelFileError(
        String(options?.path),
        "is not a usable path: give FileStore a file path such as ./aurora-model.json",
      );
    }
    this.#paths = fileStorePaths(options.path);
    this.#journalOn = options.journal ?? true;
    this.#fsync = options.fsync ?? "always";
    this.#compactRatio = options.compactRatio ?? 1;
    this.#minCompactBytes = options.minCompactBytes ?? DEFAULT_MIN_COMPACT_BYTES;
    this.#minSnapshotIntervalMs = options.minSnapshotIntervalMs ?? DEFAULT_MIN_SNAPSHOT_INTERVAL_MS;
    this.#auditSegmentBytes = options.auditSegmentBytes ?? DEFAULT_AUDIT_SEGMENT_BYTES;
    this.#keepReceipts = options.keepReceipts ?? DEFAULT_KEEP_RECEIPTS;
    if (!Number.isSafeInteger(this.#keepReceipts) || this.#keepReceipts < RECEIPTS_KEPT) {
      throw ValidationError.forField(
        "options.keepReceipts",
        `must be a whole number ≥ ${RECEIPTS_KEPT} (receipts kept), got ${String(options.keepReceipts)}`,
      );
    }
    this.#auditRetention = checkedRetention(options.auditRetention);
    this.#log = options.log ?? ((message) => console.warn(`[aurora] ${message}`));
    this.#now = options.now ?? (() => new Date().toISOString());
  }

  /** The snapshot's path (the engine's `modelPath`). */
  get path(): string {
    return this.#paths.snapshot;
  }

  async open(): Promise<Recovered> {
    return this.openSync();
  }

  openSync(): Recovered {
    if (this.#opened) return this.#opened;
    try {
      this.#releaseLock = acquireFileLock(this.#paths.snapshot);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "EACCES" && code !== "EROFS" && code !== "EPERM") throw error;
      // The folder cannot take the model (missing, read-only): serve what it holds from memory,
      // refuse to acknowledge feedback, report not ready. Nothing is repaired or moved aside.
      this.#lastError = error;
      this.#log(
        `cannot write beside ${this.#paths.snapshot} (${code}): serving the model as it is there, read-only; ` +
          "nothing will be persisted until this is fixed and the engine restarted",
      );
      try {
        this.#opened = this.#read(false);
      } catch (readError) {
        if (typeof (readError as NodeJS.ErrnoException).syscall !== "string") throw readError;
        throw new ModelFileError(
          this.#paths.snapshot,
          `cannot be read beside it either (${(readError as Error).message}): give the engine a folder it can read`,
          { cause: readError },
        );
      }
      return this.#opened;
    }
    try {
      this.#removeAbandonedTemps();
      const recovered = this.#read(true);
      this.#anchors = this.#readAnchors();
      if (this.#journalOn) {
        // The audit trail first: a folder with a journal always has one (aurora-verify checks it),
        // even when a crash comes during the first start.
        this.#openAudit();
        const segment = Math.max(this.#cut, 1, ...listSegments(this.#paths.journal));
        this.#writer = new JournalWriter(this.#paths.journal, segment, this.#fsync);
        this.#restoreAuditEntries(recovered.events);
        this.#applyAuditRetention();
        if (this.#auditRetention?.maxAgeMs !== undefined) {
          // An idle engine's segments age too: appends alone would never look again.
          this.#retentionTimer = setInterval(() => this.#applyAuditRetention(), RETENTION_CHECK_MS);
          this.#retentionTimer.unref();
        }
      }
      this.#opened = recovered;
      return recovered;
    } catch (error) {
      this.#releaseLock();
      this.#releaseLock = undefined;
      throw error;
    }
  }

  /**
   * The model as the folder holds it: the newest good snapshot and the journal from its cut on.
   * With `repair`, a torn tail is truncated away and a damaged snapshot moved aside; without it
   * (a folder this process cannot write), they are only left out.
   */
  #read(repair: boolean): Recovered {
    // Only the newest receipts can name the snapshots a start may load (model.json, .prev, one
    // appended before a crash cut its install short): a long-lived model has millions of older ones.
    const read = readFramedFile(this.#paths.receipts, { last: true, repair, log: this.#log, keepLast: RECEIPTS_KEPT });
    const receipts = read.records as Receipt[];
    this.#receiptCount = read.total;
    const loaded = this.#loadSnapshot(receipts, repair);
    this.#receipt = receipts.at(-1);
    this.#cut = loaded?.header.journal_segment ?? 0;
    // Where the audit trail stood at the cut; a store that has never taken a snapshot, at its start.
    this.#auditAtCut = loaded ? loaded.header.audit_seq : this.#receiptCount === 0 ? 0 : undefined;
    this.#snapshotBytes = loaded?.bytes ?? 0;
    let events: EngineEvent[] = [];
    // Read whether or not this store journals: a folder a journaling run left holds acknowledged
    // feedback there, after the snapshot, that a model without it would silently lack.
    if (this.#journalOn || existsSync(this.#paths.journal)) {
      const read = readJournal(this.#paths.journal, this.#cut, { repair: repair && this.#journalOn, log: this.#log });
      const decoder = new JournalEventDecoder();
      events = read.records.map((record) => decoder.decode(record));
      this.#encoder = new JournalEventEncoder(decoder.highestList + 1);
      this.#eventsSinceSnapshot = events.length;
    }
    const recovered: Recovered = { snapshot: loaded?.value, events };
    const receipt =
      loaded?.header.model_version === undefined ? undefined : receipts.find((r) => r.version === loaded.header.model_version);
    if (receipt) recovered.receipt = receipt;
    else if (loaded?.header.model_version !== undefined) {
      // A model copied without the files beside it, or its receipts removed: it loads, unchecked.
      this.#log(
        `the snapshot loaded (version ${loaded.header.model_version}) has no receipt in ${this.#paths.receipts}` +
          `${receipts.length === 0 ? " (missing or empty)" : ""}: it was loaded as it is, its bytes unchecked; ` +
          "a copy of a model needs the files beside it (receipts, journal, audit trail), and aurora-verify reports this one as broken",
      );
    }
    return recovered;
  }

  append(event: EngineEvent): Promise<void> {
    const writer = this.#requireWriter();
    if (!this.#releaseLock) return Promise.reject(this.#lastError);
    if (!writer) return Promise.resolve();
    this.#eventsSinceSnapshot++;
    return writer.append(this.#encoder.encode(event), true);
  }

  appendAudit(record: AuditRecord): void {
    if (!this.#audit) return;
    this.#audit.append(this.#chain.linkJson(record), false);
    if (this.#audit.bytesSinceRotation >= this.#auditSegmentBytes) {
      try {
        const segment = this.#audit.rotate();
        this.#auditStart = { segment, seq: this.#chain.last.seq + 1, prev: this.#chain.last.hash };
        this.#applyAuditRetention();
      } catch (error) {
        // The next segment cannot be opened (a folder made read-only, say): the trail goes on in
        // the segment it has and rotation is tried again with the next record. A decision is not
        // refused for it; the journal's own writes say whether the store is ready.
        if (!this.#auditRotationFailing)
          this.#log(`the audit trail could not start a new segment (${(error as Error).message}); it goes on in the current one`);
        this.#auditRotationFailing = true;
        return;
      }
      this.#auditRotationFailing = false;
    }
  }

  /**
   * Up to `limit` of the newest audit records on disk, oldest first: the segments are read from
   * the newest back until there are enough (the newest one as `open` read it). Records still
   * waiting for the audit trail's next write (every 200 ms) are not on disk yet. A damaged segment
   * (a bad record with good ones after it) ends the walk back with a log line: only the records of
   * the segments after it come back (`aurora-verify` names the damage).
   */
  recentAudit(limit: number): AuditRecord[] {
    if (!this.#opened) throw new Error("FileStore is not open: call open() (the engine does) before reading its audit trail");
    if (!(limit >= 0)) throw new RangeError(`limit must be a number ≥ 0, got ${String(limit)}`);
    const cached = this.#lastAuditRead;
    this.#lastAuditRead = undefined;
    const cachedRecords = cached?.seq === this.#chain.last.seq ? cached.records.deref() : undefined;
    const dir = this.#paths.audit;
    const segments = listSegments(dir);
    const parts: ChainedAuditRecord[][] = [];
    let count = 0;
    for (let i = segments.length - 1; i >= 0 && count < limit; i--) {
      const segment = segments[i] as number;
      let records: ChainedAuditRecord[];
      if (cachedRecords !== undefined && cached?.segment === segment) records = cachedRecords;
      else {
        const path = join(dir, segmentName(segment));
        try {
          // Nothing is repaired here: the newest segment, the only one a crash can leave torn, was repaired at open when this process writes.
          records = readFramedFile(path, { last: i === segments.length - 1, repair: false, log: this.#log })
            .records as ChainedAuditRecord[];
        } catch (error) {
          if (!(error instanceof JournalCorruptError)) throw error;
          this.#log(`${error.message}; the audit records before ${path} were not read back into memory`);
          break;
        }
      }
      const part = records.length > limit - count ? records.slice(records.length - (limit - count)) : records;
      parts.push(part);
      count += part.length;
    }
    const out: AuditRecord[] = [];
    for (let p = parts.length - 1; p >= 0; p--) for (const chained of parts[p] as ChainedAuditRecord[]) out.push(chained.record);
    return out;
  }

  snapshotDue(): boolean | "timed" {
    if (!this.#writer) return true;
    const bytes = this.#writer.bytesSinceRotation;
    if (bytes < this.#compactRatio * this.#snapshotBytes) return false;
    if (bytes >= this.#minCompactBytes) return true;
    return performance.now() - this.#lastSnapshotAt >= this.#minSnapshotIntervalMs ? "timed" : false;
  }

  snapshot(take: () => object): Promise<Receipt> {
    if (!this.#releaseLock) return Promise.reject(this.#notWritable());
    const run = this.#snapshotting
      .catch(() => {})
      .then(async () => {
        const { content, cut } = this.#cutAndTake(take);
        const syncInstalls = this.#syncInstalls;
        await this.#auditDurable(content, () => this.#audit?.sync());
        const written = await writeSnapshotTemp(this.#paths.snapshot, content);
        return this.#install(written, cut, syncInstalls);
      });
    this.#snapshotting = run;
    return run;
  }

  snapshotSync(take: () => object): Receipt {
    if (!this.#releaseLock) throw this.#notWritable();
    this.#writer?.flushSync();
    const { content, cut } = this.#cutAndTake(take);
    void this.#auditDurable(content, () => this.#audit?.syncSync());
    const written = writeSnapshotTempSync(this.#paths.snapshot, content);
    this.#writer?.flushSync();
    return this.#installSync(written, cut);
  }

  status(): StoreStatus {
    const error = this.#writer?.lastError ?? this.#lastError;
    return {
      kind: this.kind,
      ready: error === undefined,
      last_error: error === undefined ? null : String((error as Error)?.message ?? error),
      snapshot_version: this.#receipt?.version ?? null,
      events_since_snapshot: this.#eventsSinceSnapshot,
      shared_totals: null,
    };
  }

  /**
   * Gives back what `open` took, at once and writing nothing: the engine could not start on what
   * it recovered (a policy that does not match the snapshot, say), so the lock is released now
   * for the next engine, and the (empty) writers are closed in the background.
   */
  abandon(): void {
    clearInterval(this.#retentionTimer);
    this.#releaseLock?.();
    this.#releaseLock = undefined;
    void this.close().catch(() => {});
  }

  async close(): Promise<void> {
    clearInterval(this.#retentionTimer);
    await this.#snapshotting.catch(() => {});
    try {
      await this.#writer?.close();
      await this.#audit?.close();
    } finally {
      this.#lastAuditRead = undefined;
      this.#writer = undefined;
      this.#audit = undefined;
      this.#releaseLock?.();
      this.#releaseLock = undefined;
    }
  }

  /** Why nothing is written: the folder could not take the model when the store opened (read-only, missing). */
  #notWritable(): ModelFileError {
    const reason = (this.#lastError as Error | undefined)?.message ?? String(this.#lastError);
    return new ModelFileError(
      this.#paths.snapshot,
      `cannot be written: its folder could not take the model when the engine started (${reason}); fix it and restart`,
      { cause: this.#lastError },
    );
  }

  #requireWriter(): JournalWriter | undefined {
    if (!this.#opened) throw new Error("FileStore is not open: call open() (the engine does) before appending");
    return this.#writer;
  }

  /**
   * Removes the temp files (`.<name>.<pid>.<random>.tmp`, and the receipts' and anchors' rewrites)
   * a process killed while writing them left: only the lock's holder writes them, and this one has
   * just taken the lock. Called before anything is written.
   */
  #removeAbandonedTemps(): void {
    const dir = dirname(this.#paths.snapshot);
    const prefix = `.${basename(this.#paths.snapshot)}.`;
    // A crash during an install leaves the new snapshot whole in its temp file, its receipt written,
    // and model.json older or gone (between the two renames): the install is finished instead (the
    // journal segments it needs are removed only after it), so a restart starts from the newest
    // snapshot and the folder verifies.
    let newest: Receipt | undefined;
    let receiptsRead = false; // at the first temp file found
    for (const name of readdirSync(dir)) {
      if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
      // The snapshot's own temps, and those of the receipts and anchors files rewritten whole.
      const match = /^(?:(?:receipts|anchors)\.)?(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
      const pid = match ? Number(match[1]) : Number.NaN;
      // Whatever its pid: this process holds the lock and has written nothing yet, so the process
      // that wrote it is gone, even when its pid is this one's or a live process's now (a
      // container restarted as the same pid; pids reused).
      if (!Number.isSafeInteger(pid)) continue;
      const path = join(dir, name);
      if (!receiptsRead) {
        newest = readFramedFile(this.#paths.receipts, { last: true, repair: false, keepLast: 1 }).records[0] as
          | Receipt
          | undefined;
        receiptsRead = true;
      }
      if (
        newest !== undefined &&
        /^\d/.test(name.slice(prefix.length)) &&
        sha256Hex(readFileSync(path)) === newest.sha256 &&
        !holds(this.#paths.snapshot, newest.sha256)
      ) {
        if (existsSync(this.#paths.snapshot)) renameSync(this.#paths.snapshot, this.#paths.previous);
        renameSync(path, this.#paths.snapshot);
        fsyncDirectory(dir);
        this.#log(
          `put ${path} in place as ${this.#paths.snapshot}: version ${newest.version}, whose install process ${pid} was finishing when it stopped`,
        );
        newest = undefined;
        continue;
      }
      rmSync(path, { force: true });
      this.#log(`removed ${join(dir, name)}, which process ${pid} was writing when it stopped (never renamed into place)`);
    }
  }

  #openAudit(): void {
    const dir = this.#paths.audit;
    const segments = listSegments(dir);
    let lastSegment = segments.at(-1);
    if (lastSegment !== undefined) {
      const path = join(dir, segmentName(lastSegment));
      try {
        const read = readFramedFile(path, { last: true, repair: true, log: this.#log });
        const records = read.records as ChainedAuditRecord[];
        // The newest segment is empty when the store stopped right after a rollover: the chain
        // goes on from the last record of the segment before it (it restarted at record 1 before).
        const last = records.at(-1) ?? this.#lastRecordBefore(lastSegment) ?? this.#lastRecordAnchored();
        if (last) this.#chain = new AuditChain({ seq: last.seq, hash: last.hash });
        this.#lastAuditRead = { segment: lastSegment, seq: this.#chain.last.seq, records: new WeakRef(records) };
      } catch (error) {
        if (!(error instanceof JournalCorruptError)) throw error;
        // Damage inside the newest audit segment (not a torn tail) must not stop the engine: the
        // trail goes on in a new segment, chained from the last record that reads whole, and
        // `aurora-verify` reports the damage.
        const last = lastGoodFramedRecord(path) as ChainedAuditRecord | undefined;
        if (last) this.#chain = new AuditChain({ seq: last.seq, hash: last.hash });
        this.#log(`${error.message}; the audit trail goes on in a new segment (aurora-verify reports the damage)`);
        lastSegment++;
      }
    }
    this.#audit = new JournalWriter(dir, lastSegment ?? 1, { intervalMs: 200 });
    const segment = this.#audit.segment;
    const first = firstFramedRecord(join(dir, segmentName(segment))) as ChainedAuditRecord | undefined;
    this.#auditStart =
      first !== undefined && Number.isSafeInteger(first?.seq) && typeof first?.prev === "string"
        ? { segment, seq: first.seq, prev: first.prev }
        : { segment, seq: this.#chain.last.seq + 1, prev: this.#chain.last.hash };
  }

  /** The newest whole record in the audit segments before `segment`, or undefined when they hold none. */
  #lastRecordBefore(segment: number): ChainedAuditRecord | undefined {
    const older = listSegments(this.#paths.audit).filter((s) => s < segment);
    for (let i = older.length - 1; i >= 0; i--) {
      const record = lastGoodFramedRecord(join(this.#paths.audit, segmentName(older[i] as number))) as
        | ChainedAuditRecord
        | undefined;
      if (record !== undefined) return record;
    }
    return undefined;
  }

  /**
   * The record just before the audit anchor's, as a chain head: retention removed every segment
   * that held records, so the anchor is all that says where the chain stands.
   */
  #lastRecordAnchored(): { seq: number; hash: string } | undefined {
    const anchor = this.#anchors?.audit;
    return anchor === undefined ? undefined : { seq: anchor.seq - 1, hash: anchor.prev };
  }

  /** The anchors file as the store wrote it; a damaged one is logged and turns pruning off until a restart finds it readable. */
  #readAnchors(): StoreAnchors | undefined {
    try {
      return readAnchors(this.#paths.anchors);
    } catch (error) {
      this.#log(`${(error as Error).message}: nothing will be pruned (receipts, audit segments) until it is fixed or removed`);
      return undefined;
    }
  }

  /** Housekeeping that must not fail a decision or a snapshot: a failure is logged once until one succeeds. */
  #prune(what: string, work: () => void): void {
    try {
      work();
      this.#failing.delete(what);
    } catch (error) {
      if (!this.#failing.has(what)) this.#log(`could not prune ${what} (${(error as Error).message}); it will be tried again`);
      this.#failing.add(what);
    }
  }

  /**
   * Removes the audit segments `auditRetention` no longer keeps, oldest first, never the one being
   * written. The anchor naming the first segment kept (its first record's `seq` and `prev`) is
   * written before anything is removed.
   */
  #applyAuditRetention(): void {
    const retention = this.#auditRetention;
    const start = this.#auditStart;
    if (!retention || !this.#audit || !this.#anchors || !start) return;
    this.#prune("the audit trail", () => {
      const dir = this.#paths.audit;
      const older = listSegments(dir).filter((segment) => segment < start.segment);
      if (older.length === 0) return;
      const stats: Stats[] = older.map((segment) => statSync(join(dir, segmentName(segment))));
      let total = (this.#audit as JournalWriter).bytesSinceRotation;
      for (const stat of stats) total += stat.size;
      const now = Date.now();
      let remove = 0;
      for (; remove < older.length; remove++) {
        const stat = stats[remove] as Stats;
        const tooOld = retention.maxAgeMs !== undefined && now - stat.mtimeMs > retention.maxAgeMs;
        const tooBig = retention.maxBytes !== undefined && total > retention.maxBytes;
        if (!tooOld && !tooBig) break;
        total -= stat.size;
      }
      if (remove === 0) return;
      let anchor = { segment: start.segment, seq: start.seq, prev: start.prev };
      if (remove < older.length) {
        const segment = older[remove] as number;
        const first = firstFramedRecord(join(dir, segmentName(segment))) as ChainedAuditRecord | undefined;
        if (first === undefined || !Number.isSafeInteger(first.seq) || typeof first.prev !== "string") {
          throw new Error(`the first record of ${join(dir, segmentName(segment))} does not read whole`);
        }
        anchor = { segment, seq: first.seq, prev: first.prev };
      }
      // Nothing recorded yet (the chain at its start): there is nothing to anchor, nor to remove.
      if (anchor.prev === GENESIS_HASH) return;
      this.#anchor({ audit: { ...anchor, pruned_at: this.#now() } });
      for (const segment of older.slice(0, remove)) unlinkSync(join(dir, segmentName(segment)));
      fsyncDirectory(dir);
    });
  }

  /** Rewrites the anchors file with `changed` in place of its part(s). */
  #anchor(changed: StoreAnchors): void {
    const anchors = { ...this.#anchors, ...changed };
    writeAnchors(this.#paths.anchors, anchors);
    this.#anchors = anchors;
  }

  /**
   * Once the receipts file holds twice `keepReceipts`, rewrites it with the newest `keepReceipts`
   * (a temporary file renamed over it), the first kept anchored first. Runs in the turn that appends
   * the next receipt, so no append can land in the file being replaced.
   */
  #pruneReceiptsIfDue(): void {
    if (this.#receiptCount < 2 * this.#keepReceipts || !this.#anchors) return;
    this.#prune("the receipts", () => {
      const read = readFramedFile(this.#paths.receipts, { last: true, repair: false, keepLast: this.#keepReceipts });
      const kept = read.records as Receipt[];
      const first = kept[0];
      this.#receiptCount = read.total;
      if (first === undefined || read.total <= kept.length) return;
      this.#anchor({ receipts: { version: first.version, prev: first.prev, pruned_at: this.#now() } });
      writeFileAtomicSync(this.#paths.receipts, kept.map((receipt) => frameLine(JSON.stringify(receipt))).join(""));
      this.#receiptCount = kept.length;
    });
  }

  /** Cuts the journal and takes the model at the same instant. */
  #cutAndTake(take: () => object): { content: SnapshotHeader; cut: number } {
    this.#requireWriter();
    const value = take();
    // Without a journal of its own, the snapshot still covers the segments a journaling run left
    // (they were replayed into the model): its cut goes past them, or a journaling restart would
    // replay them a second time.
    const cut = this.#writer
      ? this.#writer.rotate()
      : Math.max(0, ...listSegments(this.#paths.journal).map((segment) => segment + 1));
    // The journal from the cut on must decode by itself: each candidate list is written again at its next use.
    this.#encoder.forget();
    this.#eventsSinceSnapshot = 0;
    const header: SnapshotHeader = { model_version: (this.#receipt?.version ?? 0) + 1, journal_segment: cut };
    if (!this.#writer) header.journal = false;
    if (this.#audit) {
      const { seq, hash } = this.#chain.last;
      header.audit_seq = seq;
      header.audit_hash = hash;
    }
    return { content: { ...value, ...header }, cut };
  }

  /**
   * Makes the audit trail durable up to the snapshot's cut (with `flush`) before the snapshot is
   * written and its receipt appended. When that fails, the snapshot is written without its
   * `audit_seq` and `audit_hash`: it claims nothing of an audit trail that may not be on disk, and
   * the audit trail's failure does not hold back the journal's compaction (logged once until it succeeds).
   */
  #auditDurable(content: SnapshotHeader, flush: () => Promise<void> | void): Promise<void> | undefined {
    if (content.audit_seq === undefined) return undefined;
    const failed = (error: unknown) => {
      delete content.audit_seq;
      delete content.audit_hash;
      if (!this.#failing.has(AUDIT_SYNC)) {
        this.#log(
          `the audit trail could not be fsync'd for a snapshot (${(error as Error)?.message ?? String(error)}): the snapshot is written without its audit head`,
        );
      }
      this.#failing.add(AUDIT_SYNC);
    };
    const succeeded = () => {
      this.#failing.delete(AUDIT_SYNC);
    };
    try {
      const done = flush();
      if (done === undefined) {
        succeeded();
        return undefined;
      }
      return done.then(succeeded, failed);
    } catch (error) {
      failed(error);
      return undefined;
    }
  }

  /**
   * Writes again the audit entries of the journal's decisions after the snapshot that the audit
   * trail lost: it is written every 200 ms and fsync'd at each snapshot, the journal before each
   * feedback is acknowledged, so a crash can leave decisions the journal kept without their entry.
   * Each is rebuilt from the decision's record as `decide()` made it (same timestamp, status and
   * violations), with a note that says so, and appended in the journal's order. Anomalies and
   * rejected decisions (no provider), which the journal does not hold, cannot come back. When
   * retention removed the segment that held the head, the decisions after the last one with a kept
   * entry are restored (see `decisionsWithoutEntry`). Nothing is written when the snapshot recorded
   * no audit head (an older version's), a segment is damaged, or the kept trail holds no entry of
   * the journal's decisions: then the store cannot tell which entries are missing.
   */
  #restoreAuditEntries(events: Iterable<EngineEvent>): void {
    const atCut = this.#auditAtCut;
    const audit = this.#audit;
    if (atCut === undefined || !audit) return;
    const decisions: DecisionRecord[] = [];
    for (const event of events) if (event.type === "decision") decisions.push(event.record);
    if (decisions.length === 0) return;
    const found = this.#entriesFound(atCut);
    if (found === undefined) return;
    const missing = decisionsWithoutEntry(decisions, found);
    if (missing === undefined) {
      this.#log(
        `the audit trail no longer reaches back to record ${atCut}, where the snapshot was cut, and holds no entry of the journal's decisions after it: the audit entries they may lack were not restored`,
      );
      return;
    }
    if (missing.length === 0) return;
    for (const record of missing) this.appendAudit({ kind: "entry", entry: restoredEntry(record) });
    audit.syncSync();
    const first = missing[0] as DecisionRecord;
    this.#log(
      `restored ${missing.length} audit entr${missing.length === 1 ? "y" : "ies"} from the journal (the first for decision ${first.decision_id}): ` +
        "the audit trail lost them when the process stopped",
    );
  }

  /**
   * The audit entries on disk after record `seq` (the snapshot's head), read from the newest
   * segment back; every entry kept when retention removed the segment that held the head;
   * undefined when a segment is damaged (logged).
   */
  #entriesFound(seq: number): EntriesFound | undefined {
    const ids = new Set<string>();
    if (this.#chain.last.seq <= seq) return { afterHead: ids };
    const dir = this.#paths.audit;
    const segments = listSegments(dir);
    for (let i = segments.length - 1; i >= 0; i--) {
      const path = join(dir, segmentName(segments[i] as number));
      let records: ChainedAuditRecord[];
      try {
        records = readFramedFile(path, { last: i === segments.length - 1, repair: false }).records as ChainedAuditRecord[];
      } catch (error) {
        if (!(error instanceof JournalCorruptError)) throw error;
        this.#log(`${error.message}; the audit entries the journal's decisions may lack were not restored`);
        return undefined;
      }
      entryIdsAfter(records, seq, ids);
      const first = records[0];
      if (first !== undefined && first.seq <= seq + 1) return { afterHead: ids };
    }
    return { kept: ids };
  }

  /**
   * Puts a written snapshot in place without blocking the event loop: every fsync, rename and
   * unlink is asynchronous. `saveSync()` may run between any two of its steps (an exit handler while
   * `close()` writes): that snapshot, cut later, holds everything this one does, so this one gives
   * up (its files removed; nothing renamed, appended or removed after that; a receipt it appended
   * already names a snapshot never put in place, as after a crash) and resolves with that one's
   * receipt. No step of this one may land after the synchronous one's, and a step in flight cannot
   * be called back: so the receipt is appended in the turn that checks (a page-cache write, as the
   * journal's; its fsync is asynchronous), the current snapshot is kept for `.prev` under a second
   * name (a hard link) rather than moved away, and both renames move private files, which the
   * synchronous snapshot removes first: a rename still in flight then finds nothing to move.
   */
  async #install(written: WrittenSnapshot, cut: number, syncInstalls: number): Promise<Receipt> {
    const { snapshot, previous } = this.#paths;
    const files = { temp: written.temp, kept: snapshotTempPath(snapshot) };
    const check = () => {
      if (this.#syncInstalls !== syncInstalls) throw SUPERSEDED;
    };
    this.#installing = files;
    let receipt: Receipt;
    let covered: number;
    try {
      receipt = await this.#writeReceiptAsync(written, check);
      check();
      const kept = await this.#keepCurrent(files.kept, check);
      check();
      await rename(written.temp, snapshot);
      check();
      // The previous snapshot (at .prev next) still needs the segments from its own cut on.
      covered = this.#cut;
      this.#installed(written.bytes, cut);
      if (kept) await rename(files.kept, previous);
    } catch (error) {
      await Promise.all([rm(files.temp, { force: true }), rm(files.kept, { force: true })]).catch(() => {});
      if (this.#syncInstalls === syncInstalls) {
        this.#lastError = error;
        throw error;
      }
      const newer = this.#lastSyncInstall;
      if (newer && newer.count > syncInstalls) return newer.receipt;
      throw new ModelFileError(
        snapshot,
        "was not replaced: a saveSync() that began while this snapshot was put in place took it over and failed; call save() again",
        { cause: error === SUPERSEDED ? undefined : error },
      );
    } finally {
      if (this.#installing === files) this.#installing = undefined;
    }
    await fsyncDirectoryAsync(dirname(snapshot));
    await this.#writer?.removeBeforeAsync(covered);
    return receipt;
  }

  /**
   * Gives the current snapshot a second name, `kept`, to become `.prev` once the new one is in
   * place; false when there is none. Where the file system has no hard links (FAT, some network
   * shares) it is moved to `.prev` at once instead, in this turn, so that no move of the current
   * snapshot is ever in flight.
   */
  async #keepCurrent(kept: string, check: () => void): Promise<boolean> {
    const { snapshot, previous } = this.#paths;
    try {
      await link(snapshot, kept);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
      check();
      if (existsSync(snapshot)) renameSync(snapshot, previous);
      return false;
    }
  }

  #installSync(written: WrittenSnapshot, cut: number): Receipt {
    // An asynchronous snapshot cut before this one gives up at its next step. The files it would
    // still rename are removed first, so that a rename of its already in flight moves nothing.
    const count = ++this.#syncInstalls;
    const installing = this.#installing;
    this.#installing = undefined;
    if (installing) {
      rmSync(installing.temp, { force: true });
      rmSync(installing.kept, { force: true });
    }
    const receipt = this.#writeReceipt(written);
    const { snapshot, previous } = this.#paths;
    if (existsSync(snapshot)) renameSync(snapshot, previous);
    renameSync(written.temp, snapshot);
    fsyncDirectory(dirname(snapshot));
    const covered = this.#cut;
    this.#installed(written.bytes, cut);
    this.#lastSyncInstall = { count, receipt };
    // The segments this snapshot leaves unneeded go once the journal's fsync in flight is done:
    // it may be of one of them (the snapshot of save() just before this one cut it off), and a
    // segment deleted under its fsync reads as deleted while in use, refusing the feedback it
    // carries. An exit right after this leaves them for the next snapshot to remove.
    const writer = this.#writer;
    writer
      ?.flush()
      .then(() => writer.removeBeforeAsync(covered))
      .catch(() => {});
    return receipt;
  }

  /** The receipt goes first: a snapshot in place always has one; a receipt may name a snapshot a crash kept from its place. */
  #writeReceipt(written: { sha256: string; bytes: number }): Receipt {
    this.#pruneReceiptsIfDue();
    const receipt = makeReceipt(this.#receipt, written, this.#now());
    const fd = openSync(this.#paths.receipts, "a", 0o644);
    try {
      writeSync(fd, frameLine(JSON.stringify(receipt)));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.#receipt = receipt;
    this.#receiptCount++;
    return receipt;
  }

  /**
   * {@link #writeReceipt} with its fsync off the event loop. The line is appended in the turn that
   * `check`s and moves `#receipt` on, so that a synchronous snapshot's receipt, whenever it comes,
   * follows it in the file as in the chain.
   */
  async #writeReceiptAsync(written: { sha256: string; bytes: number }, check: () => void): Promise<Receipt> {
    // Opened in the same turn as the write: a pruning (a rename over the file) in between would
    // leave the line in the file it replaced.
    check();
    this.#pruneReceiptsIfDue();
    const fd = openSync(this.#paths.receipts, "a", 0o644);
    try {
      const receipt = makeReceipt(this.#receipt, written, this.#now());
      writeSync(fd, frameLine(JSON.stringify(receipt)));
      this.#receipt = receipt;
      this.#receiptCount++;
      await fsyncAsync(fd);
      return receipt;
    } finally {
      closeSync(fd);
    }
  }

  #installed(snapshotBytes: number, cut: number): void {
    this.#cut = cut;
    this.#snapshotBytes = snapshotBytes;
    this.#lastSnapshotAt = performance.now();
    this.#lastError = undefined;
  }

  /**
   * The newest good snapshot: the current file, or — when it is missing, unreadable or does not
   * match its receipt — the previous one, with a log line naming what was refused.
   */
  #loadSnapshot(
    receipts: readonly Receipt[],
    repair: boolean,
  ): { value: unknown; header: SnapshotHeader; bytes: number } | undefined {
    const { snapshot, previous } = this.#paths;
    const current = readSnapshotFile(snapshot, receipts);
    if (current.ok) return current.ok;
    if (current.missing) {
      const prev = readSnapshotFile(previous, receipts);
      if (prev.ok) return prev.ok;
      if (prev.missing) return undefined;
      throw prev.error;
    }
    const prev = readSnapshotFile(previous, receipts);
    if (!prev.ok) throw current.error;
    if (!repair) {
      this.#log(`${current.error.message}; started from the previous good version in ${previous}, leaving both in place`);
      return prev.ok;
    }
    const aside = `${snapshot}.corrupt-${Date.now()}`;
    renameSync(snapshot, aside);
    this.#log(
      `${current.error.message}; moved it to ${aside} and started from the previous good version ` +
        `(${prev.ok.header.model_version ?? "unversioned"}) in ${previous}`,
    );
    return prev.ok;
  }
}

type SnapshotRead =
  | { ok: { value: unknown; header: SnapshotHeader; bytes: number }; missing?: undefined; error?: undefined }
  | { ok?: undefined; missing: true; error?: undefined }
  | { ok?: undefined; missing?: undefined; error: ModelFileError };

function readSnapshotFile(path: string, receipts: readonly Receipt[]): SnapshotRead {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { missing: true };
    return { error: new ModelFileError(path, `cannot be read: ${(error as Error).message}`, { cause: error }) };
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    return {
      error: new ModelFileError(
        path,
        "is not valid JSON (a torn or foreign file?): restore a good copy or move it away to start fresh",
        {
          cause: error,
        },
      ),
    };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: new ModelFileError(path, "is not a JSON object: restore a good copy or move it away to start fresh") };
  }
  const header: SnapshotHeader = {};
  const { model_version, journal_segment, audit_seq, audit_hash } = value as SnapshotHeader;
  if (Number.isSafeInteger(model_version)) header.model_version = model_version as number;
  if (Number.isSafeInteger(journal_segment)) header.journal_segment = journal_segment as number;
  if (Number.isSafeInteger(audit_seq) && (audit_seq as number) >= 0 && typeof audit_hash === "string") {
    header.audit_seq = audit_seq as number;
    header.audit_hash = audit_hash;
  }
  if (header.model_version !== undefined) {
    const receipt = receipts.find((r) => r.version === header.model_version);
    const sha256 = sha256Hex(bytes);
    if (receipt && receipt.sha256 !== sha256) {
      return {
        error: new ModelFileError(
          path,
          `does not match its receipt (version ${header.model_version}: sha256 ${sha256.slice(0, 12)}… ≠ ${receipt.sha256.slice(0, 12)}…), so it was altered or damaged`,
        ),
      };
    }
  }
  return { ok: { value, header, bytes: bytes.length } };
}

function checkedRetention(retention: AuditRetention | undefined): AuditRetention | undefined {
  if (retention === undefined) return undefined;
  const { maxBytes, maxAgeMs } = parseWith(auditRetentionSchema, retention, "options.auditRetention");
  if (maxBytes === undefined && maxAgeMs === undefined) return undefined;
  return { ...(maxBytes !== undefined ? { maxBytes } : {}), ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) };
}

/** Whether the file at `path` exists and hashes to `sha256`. */
function holds(path: string, sha256: string): boolean {
  try {
    return sha256Hex(readFileSync(path)) === sha256;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
