import {
  closeSync,
  existsSync,
  fstatSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AuroraError } from "@aurora/domain";
import { crc32 } from "./crc32.js";
import type { FsyncPolicy } from "./engine-store.js";
import { fsyncDirectory, fsyncDirectoryAsync } from "./model-file.js";

/**
 * A journal line is `<crc32 of the JSON, 8 hex digits> <JSON>\n`. A line that lacks its newline,
 * fails its checksum or does not parse is bad: at the very end of the journal it is a torn tail
 * (a write cut short by a crash) and is dropped; anywhere else the journal is corrupt.
 */
const HEADER = 9;

/** A journal segment that is damaged before its end: the engine refuses to guess what was lost. */
export class JournalCorruptError extends AuroraError {
  readonly path: string;
  readonly offset: number;

  constructor(path: string, offset: number, reason: string) {
    super(
      "JOURNAL_CORRUPT",
      `journal ${path} is corrupt at byte ${offset} (${reason}) and valid records follow, so this is not a torn tail: ` +
        "restore the folder from a backup, or move this segment away to start from the last snapshot",
    );
    this.path = path;
    this.offset = offset;
  }
}

export function frameLine(json: string): string {
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

const INITIAL_FRAME_BYTES = 64 * 1024;
/**
 * Under `fsync: "always"`, once this many bytes wait and no fsync is in flight, `append` writes
 * and starts their fsync at once instead of at the next turn of the event loop. A burst of appends
 * made in one go (callers resuming together when a group commit is acknowledged) is then synced in
 * parts, each part's fsync overlapping the work that makes the next, instead of all of it at the
 * end with the thread idle while it syncs (docs/benchmarks.md, thirteenth round).
 */
const EAGER_COMMIT_BYTES = 64 * 1024;
/**
 * Under any policy, once this many bytes wait and no write is in flight, `append` writes them at
 * once: an interval's worth of appends under heavy load (the audit trail's 200 ms at ~45,000
 * records a second is ~4 MB) is written in parts, so the queue's buffer stays below
 * `KEEP_FRAME_BYTES` and is not let go and grown again, by copies, every interval.
 */
const WRITE_NOW_BYTES = 1024 * 1024;
/** A buffer grown past this by a burst is let go once written, so one burst does not pin it. */
const KEEP_FRAME_BYTES = 4 * 1024 * 1024;
const HEX = Buffer.from("0123456789abcdef", "latin1");

/**
 * Framed lines gathered in one byte buffer, as `frameLine` would write them: each JSON is encoded
 * to UTF-8 once, straight into place, and its CRC taken over those bytes.
 */
export class FrameBuffer {
  #bytes = Buffer.allocUnsafe(INITIAL_FRAME_BYTES);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Appends the framed line of `json`; returns its length in bytes. */
  add(json: string): number {
    const start = this.#length;
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
    this.#reserve(start + HEADER + 3 * json.length + 1);
    const bytes = this.#bytes;
    const body = start + HEADER;
    const end = body + bytes.write(json, body, "utf8");
    let sum = crc32(bytes.subarray(body, end));
    for (let i = HEADER - 2; i >= 0; i--) {
      bytes[start + i] = HEX[sum & 0xf] as number;
      sum >>>= 4;
    }
    bytes[body - 1] = 0x20;
    bytes[end] = 0x0a;
    this.#length = end + 1;
    return this.#length - start;
  }

  /** The framed lines so far; valid until the next `add` or `clear`. */
  view(): Buffer {
    return this.#bytes.subarray(0, this.#length);
  }

  clear(): void {
    this.#length = 0;
    if (this.#bytes.length > KEEP_FRAME_BYTES) this.#bytes = Buffer.allocUnsafe(INITIAL_FRAME_BYTES);
  }

  #reserve(size: number): void {
    if (size <= this.#bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(size, 2 * this.#bytes.length));
    this.#bytes.copy(grown, 0, 0, this.#length);
    this.#bytes = grown;
  }
}

/**
 * The last record of a framed file that reads whole, skipping bad lines (damage in its middle);
 * undefined when none does or the file is missing. For a file `readFramedFile` refuses.
 */
export function lastGoodFramedRecord(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const value = unframe(lines[i] as string);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The JSON of a framed line, or `undefined` when the line is bad. */
function unframe(line: string): unknown {
  if (line.length < HEADER + 2 || line.charCodeAt(HEADER - 1) !== 0x20) return undefined;
  const json = line.slice(HEADER);
  const sum = Number.parseInt(line.slice(0, HEADER - 1), 16);
  if (!/^[0-9a-f]{8}$/.test(line.slice(0, HEADER - 1)) || crc32(json) !== sum) return undefined;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

export function segmentName(segment: number): string {
  return `${String(segment).padStart(8, "0")}.log`;
}

/** The segment numbers present in `dir`, ascending. */
export function listSegments(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /^\d{8}\.log$/.test(name))
    .map((name) => Number(name.slice(0, 8)))
    .sort((a, b) => a - b);
}

export interface JournalRead {
  /** Parsed records, oldest first. */
  records: unknown[];
  /** Segments read (those ≥ `fromSegment`). */
  segments: number[];
  /** Bytes of torn tail dropped (and truncated away when `repair` is set). */
  droppedBytes: number;
}

/**
 * Reads the records of every segment ≥ `fromSegment`. A torn tail of the last segment is dropped
 * (and, with `repair`, truncated from the file so new records follow good ones); a bad record
 * followed by good ones throws `JournalCorruptError`.
 */
export function readJournal(
  dir: string,
  fromSegment: number,
  options: { repair: boolean; log?: (message: string) => void },
): JournalRead {
  const segments = listSegments(dir).filter((segment) => segment >= fromSegment);
  const records: unknown[] = [];
  let droppedBytes = 0;
  segments.forEach((segment, i) => {
    const read = readFramedFile(join(dir, segmentName(segment)), { ...options, last: i === segments.length - 1 });
    for (const record of read.records) records.push(record);
    droppedBytes += read.droppedBytes;
  });
  return { records, segments, droppedBytes };
}

/**
 * Reads one file of framed lines. When it is `last` (nothing was written after it), a bad tail is
 * dropped with a log line (and truncated away with `repair`); otherwise, or when good records
 * follow the bad one, it throws `JournalCorruptError`. A missing file reads as empty. The file is
 * read as bytes and decoded a line at a time, never as one string: a file past V8's longest
 * string (~512 MiB, the receipts of a long-lived model) reads like any other. With `keepLast`,
 * only the newest that many records are kept (all are still checked).
 */
export function readFramedFile(
  path: string,
  options: { last: boolean; repair: boolean; log?: (message: string) => void; keepLast?: number },
): { records: unknown[]; droppedBytes: number; total: number } {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], droppedBytes: 0, total: 0 };
    throw error;
  }
  const keep = options.keepLast ?? Number.POSITIVE_INFINITY;
  let records: unknown[] = [];
  let total = 0;
  let offset = 0;
  while (offset < data.length) {
    const end = data.indexOf(0x0a, offset);
    const value = end < 0 ? undefined : unframe(data.toString("utf8", offset, end));
    if (value === undefined) {
      const reason = end < 0 ? "a record without its end" : "a record whose checksum or JSON is bad";
      if (!options.last || (end >= 0 && hasGoodRecord(data, end + 1))) throw new JournalCorruptError(path, offset, reason);
      const droppedBytes = data.length - offset;
      options.log?.(
        `${path}: dropped a torn tail of ${droppedBytes} bytes at byte ${offset} (${reason}), left by a crash mid-write`,
      );
      if (options.repair) truncateFile(path, offset);
      return { records: newest(records, keep), droppedBytes, total };
    }
    records.push(value);
    total++;
    // Trimmed now and then, not at every record: the newest `keep` stay.
    if (records.length >= 2 * keep + 1024) records = newest(records, keep);
    offset = end + 1;
  }
  return { records: newest(records, keep), droppedBytes: 0, total };
}

/**
 * The first record of a framed file, reading no more of it than its first line; undefined when the
 * file is missing or empty, or its first line is not whole and good.
 */
export function firstFramedRecord(path: string): unknown {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    let data = Buffer.alloc(0);
    const chunk = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, data.length);
      if (read === 0) return undefined;
      const end = chunk.subarray(0, read).indexOf(0x0a);
      if (end >= 0) return unframe(Buffer.concat([data, chunk.subarray(0, end)]).toString("utf8"));
      data = Buffer.concat([data, chunk.subarray(0, read)]);
    }
  } finally {
    closeSync(fd);
  }
}

function newest(records: unknown[], keep: number): unknown[] {
  return records.length > keep ? records.slice(records.length - keep) : records;
}

/** Whether a whole, good record stands anywhere from byte `from` on (a line ended by its newline). */
function hasGoodRecord(data: Buffer, from: number): boolean {
  for (let offset = from; offset < data.length; ) {
    const end = data.indexOf(0x0a, offset);
    if (end < 0) return false;
    if (unframe(data.toString("utf8", offset, end)) !== undefined) return true;
    offset = end + 1;
  }
  return false;
}

function truncateFile(path: string, length: number): void {
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The journal's segment was deleted while the engine had it open: what is written to it is lost
 * at the next start. A store failure, not a verdict on the feedback: the engine refuses the
 * feedback with `FeedbackNotDurableError` (HTTP 503) naming it.
 */
export class JournalDeletedError extends Error {
  constructor(dir: string) {
    super(
      `the journal segment in ${dir} was deleted while in use, or replaced (its folder removed, moved or repointed?): nothing written now would survive a restart, so nothing is acknowledged; restart the engine on a folder that is kept`,
    );
    this.name = "JournalDeletedError";
  }
}

/**
 * Whether the open file `fd` is no longer the file a restart would read: it has no name left (all
 * its links removed), or `path` now names another file (replaced, or a symbolic link on the way
 * repointed). A `path` that cannot be looked up at all counts as detached too.
 */
function detached(fd: number, path: string): boolean {
  // Synchronous: two metadata reads cost less on the main thread than two more round trips
  // through the thread pool (`node bench/dist/ab.js <before> <after> 8 durable`, CPU per durable
  // pair against the build without the check: 1.093× asynchronous, 1.021× synchronous).
  let open: Stats;
  try {
    open = fstatSync(fd);
  } catch {
    return false;
  }
  if (open.nlink === 0) return true;
  try {
    const named = statSync(path);
    return named.ino !== open.ino || named.dev !== open.dev;
  } catch {
    return true;
  }
}

interface Written {
  fd: number;
  waiters: Waiter[];
  /** Close the descriptor once synced: its segment was rotated away. */
  closeAfter: boolean;
}

/**
 * The writing side of a journal: appends lines to the newest segment and acknowledges them after
 * an fsync that covers them. Appends that arrive while an fsync is in flight (or within the
 * interval) share the next one: group commit. Under "always", a queue past `EAGER_COMMIT_BYTES`
 * is written and its fsync started by the append that fills it, and under any policy a queue past
 * `WRITE_NOW_BYTES`. Lines reach the file in `append` order; the write
 * itself is synchronous (a copy into the page cache, so a killed process loses nothing written),
 * the fsync runs off the event loop.
 */
export class JournalWriter {
  readonly #dir: string;
  readonly #policy: FsyncPolicy;
  #segment: number;
  #fd: number;
  #size: number;
  #queue = new FrameBuffer();
  #queueWaiters: Waiter[] = [];
  /** The promise every waiting append since the last write shares: one per group commit, not one per record. */
  #batch: Promise<void> | undefined;
  #written: Written[] = [];
  /** The written batch whose asynchronous fsync `#drain` awaits. */
  #inFlight: Written | undefined;
  #cycle: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Set after a failed write: nothing is written again until it fires (`#fail`). */
  #retry: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #lastError: unknown;
  #closed = false;
  /** Bytes appended since the last rotation. */
  #bytesSinceRotation = 0;
  /** A segment was created since the folder was last fsync'd: its name must be durable before its records are acknowledged. */
  #directoryDirty = false;

  constructor(dir: string, segment: number, policy: FsyncPolicy) {
    // Absolute: the segment's path is looked up at every group commit, and the process may change
    // its working directory after a relative modelPath was given.
    this.#dir = resolve(dir);
    this.#policy = policy;
    mkdirSync(dir, { recursive: true });
    this.#segment = segment;
    this.#fd = this.#openSegment(segment);
    this.#size = statSync(join(dir, segmentName(segment))).size;
    // A segment reopened after a restart already holds this much: it counts towards its rotation.
    this.#bytesSinceRotation = this.#size;
  }

  get segment(): number {
    return this.#segment;
  }

  get bytesSinceRotation(): number {
    return this.#bytesSinceRotation;
  }

  /** The last write or fsync error, cleared by the next success. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Queues one record; with `wait` the promise resolves once it is fsync'd. */
  append(json: string, wait: true): Promise<void>;
  append(json: string, wait: false): undefined;
  append(json: string, wait: boolean): Promise<void> | undefined {
    if (this.#closed) throw new Error("journal is closed");
    this.#bytesSinceRotation += this.#queue.add(json);
    let promise: Promise<void> | undefined;
    if (wait) promise = this.#batch ??= new Promise<void>((resolve, reject) => this.#queueWaiters.push({ resolve, reject }));
    const queued = this.#queue.length;
    if (
      this.#cycle === undefined &&
      this.#retry === undefined &&
      (queued >= WRITE_NOW_BYTES || (wait && this.#policy === "always" && queued >= EAGER_COMMIT_BYTES))
    ) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#run();
    } else this.#schedule();
    return promise;
  }

  /**
   * Starts a new segment: everything appended so far belongs to the old one, everything after
   * to the new one. Returns the new segment's number.
   */
  rotate(): number {
    // The next segment is opened first: when that fails (a folder made read-only or immutable),
    // nothing changes and the writer goes on in the segment it has. Closing the old descriptor
    // first left the writer on a closed one, whose number the next file opened anywhere in the
    // process would take: records fsync'd into someone else's file, acknowledged, lost.
    const fd = this.#openSegment(this.#segment + 1);
    try {
      this.#writeQueue(true);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.#segment++;
    this.#fd = fd;
    this.#size = 0;
    this.#bytesSinceRotation = 0;
    // The new segment's name is made durable before any record in it is acknowledged (in #drain), off the event loop.
    this.#directoryDirty = true;
    this.#schedule();
    return this.#segment;
  }

  /** Resolves once everything appended so far is fsync'd (at once when nothing waits for an fsync). */
  async flush(): Promise<void> {
    if (this.#queue.length === 0 && this.#written.length === 0 && !this.#cycle) return;
    return this.sync();
  }

  /**
   * Resolves once everything appended so far is written and fsync'd, appends that did not wait
   * included (the audit trail's: `flush` fsyncs only what some append or flush waits for).
   */
  sync(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#queueWaiters.push({ resolve, reject }));
    this.#schedule(true);
    return done;
  }

  /** `sync`, synchronously. */
  syncSync(): void {
    this.flushSync();
    fsyncSync(this.#fd);
  }

  /** Writes and fsyncs everything synchronously (exit handlers). */
  flushSync(): void {
    this.#writeQueue(false);
    if (this.#directoryDirty) {
      this.#directoryDirty = false;
      fsyncDirectory(this.#dir);
    }
    for (const written of this.#written.splice(0)) {
      fsyncSync(written.fd);
      for (const waiter of written.waiters) waiter.resolve();
      if (!written.closeAfter) continue;
      // An asynchronous fsync of the same descriptor is still under way (`#drain`): closing it now
      // would fail that fsync (EBADF), refusing feedback this fsync has just made durable, or let
      // it sync whatever file takes the number next. It closes the descriptor when done.
      if (this.#inFlight?.fd === written.fd) this.#inFlight.closeAfter = true;
      else closeSync(written.fd);
    }
  }

  /** Removes segments older than `segment` (they are covered by a snapshot). */
  removeBefore(segment: number): void {
    for (const old of listSegments(this.#dir)) {
      if (old < segment) rmSync(join(this.#dir, segmentName(old)), { force: true });
    }
  }

  /** {@link removeBefore} off the event loop: unlinking a large file can take milliseconds. */
  async removeBeforeAsync(segment: number): Promise<void> {
    for (const old of listSegments(this.#dir)) {
      if (old < segment) await rm(join(this.#dir, segmentName(old)), { force: true });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      clearTimeout(this.#timer);
      clearTimeout(this.#retry);
      if (this.#immediate) clearImmediate(this.#immediate);
      closeSync(this.#fd);
    }
  }

  #openSegment(segment: number): number {
    return openSync(join(this.#dir, segmentName(segment)), "a", 0o644);
  }

  #schedule(now = false): void {
    // After a failed write, the retry waits for its timer however much is appended or flushed.
    if (this.#cycle || this.#retry) return;
    if (now || this.#policy === "always") {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        this.#run();
      });
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, this.#policy.intervalMs);
  }

  #run(): void {
    if (this.#cycle || this.#closed) return;
    this.#cycle = this.#drain().finally(() => {
      this.#cycle = undefined;
      if (this.#queue.length > 0 || this.#queueWaiters.length > 0) this.#schedule();
    });
  }

  async #drain(): Promise<void> {
    try {
      this.#writeQueue(false);
    } catch (error) {
      this.#fail(error);
      return;
    }
    for (let written = this.#written.shift(); written !== undefined; written = this.#written.shift()) {
      const { fd } = written;
      this.#inFlight = written;
      try {
        if (this.#directoryDirty) {
          this.#directoryDirty = false;
          await fsyncDirectoryAsync(this.#dir);
        }
        await new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
        // A segment deleted or replaced while open (its folder removed by hand or by a temp
        // cleaner, moved aside, or repointed behind a symbolic link) takes writes and fsyncs
        // without complaint, but nothing a restart could read: not acknowledged. Only the segment
        // being written is checked: one rotated away may be removed by the snapshot that cut it
        // while its last fsync is in flight, and that snapshot holds its records.
        if (fd === this.#fd && detached(fd, join(this.#dir, segmentName(this.#segment)))) {
          throw new JournalDeletedError(this.#dir);
        }
      } catch (error) {
        this.#inFlight = undefined;
        for (const waiter of written.waiters) waiter.reject(error);
        this.#lastError = error;
        if (written.closeAfter) closeQuietly(fd);
        continue;
      }
      this.#inFlight = undefined;
      this.#lastError = undefined;
      if (written.closeAfter) closeSync(written.fd);
      for (const waiter of written.waiters) waiter.resolve();
    }
  }

  /** Copies the queue into the current segment; its waiters then wait for that segment's fsync. */
  #writeQueue(closeAfter: boolean): void {
    const waiters = this.#queueWaiters;
    // Records written again after a failed write had their waiters rejected; they still need an
    // fsync, whose success is what clears `lastError`.
    let retried = false;
    if (this.#queue.length > 0) {
      const bytes = this.#queue.view();
      let offset = 0;
      try {
        while (offset < bytes.length) offset += writeSync(this.#fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        // Cut back to the last whole record so a retry appends after good data, never after half a line.
        if (offset > 0) ftruncateSync(this.#fd, this.#size);
        throw error;
      }
      this.#size += bytes.length;
      this.#queue.clear();
      retried = this.#lastError !== undefined;
    }
    this.#queueWaiters = [];
    this.#batch = undefined;
    if (waiters.length > 0 || closeAfter || retried) this.#written.push({ fd: this.#fd, waiters, closeAfter });
  }

  /**
   * A write failed: its waiters learn it; the records stay queued and are written again 100 ms
   * later. Until then nothing starts a write (`#schedule`), so a full disk is not retried in a loop.
   */
  #fail(error: unknown): void {
    this.#lastError = error;
    const waiters = this.#queueWaiters;
    this.#queueWaiters = [];
    this.#batch = undefined;
    for (const waiter of waiters) waiter.reject(error);
    this.#retry ??= setTimeout(() => {
      this.#retry = undefined;
      this.#run();
    }, 100);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Closed already.
  }
}
