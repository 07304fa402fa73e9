import {
  close,
  closeSync,
  fstat,
  fstatSync,
  ftruncate,
  ftruncateSync,
  openSync,
  readSync,
  type Stats,
  statSync,
  write,
  writeSync,
} from "node:fs";
import { AuroraError, type Provider, ValidationError } from "@aurora/domain";
import type { DecisionLogLine } from "@aurora/evaluation";
import type { DecisionMetadata, EngineEvent } from "./routing-engine.js";

type DecisionEvent = Extract<EngineEvent, { type: "decision" }>;
type EndEvent = Extract<EngineEvent, { type: "outcome" | "settled" }>;

export interface DecisionLogWriterOptions {
  /** The JSONL file; created if missing, appended to if present. */
  path: string;
  /** Decisions held while they wait for their outcome; beyond it the oldest is forgotten (counted). Default 100,000. */
  maxPending?: number;
  /** Finished decisions waiting to be written; beyond it new ones are dropped (counted). Default 100,000. */
  maxQueued?: number;
  /** Lines per write: a full batch is written on the next turn of the event loop. Default 256. */
  batchSize?: number;
  /** Lines waiting longer than this are written anyway, in milliseconds; 0 waits for a full batch, `flush` or `close`. Default 1000. */
  flushIntervalMs?: number;
}

/** Counts for status pages; snake_case like the engine's other stats. */
export interface DecisionLogStats {
  written: number;
  /** Decisions waiting for their outcome. */
  pending: number;
  /** Finished decisions not yet written. */
  queued: number;
  /** Lines lost: the queue was full, or a write failed. */
  dropped: number;
  /** Pending decisions forgotten because more than `maxPending` were waiting. */
  forgotten: number;
  /**
   * Finished decisions not logged because the store did not confirm their outcome or settlement
   * (its write failed or timed out): a restart that finds them pending logs them when they finish.
   */
  unconfirmed: number;
  /** Outcomes or settlements for decisions this writer never saw (made before it was attached, or by another replica it was not told of). */
  unmatched: number;
  /**
   * Decisions left to another replica's log (a store shared by replicas, `onRemoteEvent`): fed
   * back through another replica, which logs them, or settled here while another replica's
   * settlement claimed the line (or, without claims, made by another replica, which logs it).
   */
  elsewhere: number;
  /**
   * Decisions settled here without feedback on a store shared by replicas whose line no replica
   * is known to have written: the store's claim query failed, or (a store without
   * `claimSettlementLines`) the decision was handed back at a restart, its maker unknown.
   */
  unclaimed: number;
  /** Bytes of a torn last line (a crash mid-write) cut from the end of the file when it was opened. */
  torn_bytes_dropped: number;
  /** Times the path was opened again because the log had been renamed away or removed (rotated). */
  reopened: number;
}

/** A write to the decision log failed; `cause` holds the file system's error. */
export class DecisionLogWriteError extends AuroraError {
  readonly path: string;

  constructor(path: string, cause: unknown) {
    super(
      "DECISION_LOG_WRITE_FAILED",
      `could not write the decision log ${path}: ${cause instanceof Error ? cause.message : String(cause)} (check the path, permissions and free space)`,
      { cause },
    );
    this.path = path;
  }
}

const DEFAULTS = { maxPending: 100_000, maxQueued: 100_000, batchSize: 256, flushIntervalMs: 1000 };
/** The longest `setTimeout` delay Node keeps (2³¹ − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

interface BoundedWait {
  write: Promise<void>;
  ms: number;
  /** Its timer ran out while the write went on: the next caller gets a timer of its own. */
  expired: boolean;
  promise: Promise<void>;
}

/** How every line this writer appends begins (`toLine` puts the id first). */
const LOG_START = '{"decision_id":';
/** A last line without its newline longer than this is not read to see whether it is whole: it is cut as torn. */
const MAX_MENDED_LINE = 64 * 1024 * 1024;

/** Whether the bytes from `start` to `end` of the file are one whole JSON object (a line that lacks only its newline). */
function wholeLine(fd: number, start: number, end: number): boolean {
  const bytes = Buffer.alloc(end - start);
  readSync(fd, bytes, 0, bytes.length, start);
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * Writes the engine's decisions as JSONL for off-policy evaluation: one line per decision, once
 * its outcome or settlement is known, in `@aurora/evaluation`'s `decisionLogLineSchema`.
 * Subscribe it with `onEvent: writer.onEvent` (or set the engine's `decisionLogPath`).
 *
 * The decide path only keeps a reference to the decision event; lines are serialised and
 * appended in batches off the caller's stack, and `close()` writes what is left. Memory is
 * bounded by `maxPending` decisions waiting for an outcome and `maxQueued` finished ones.
 * Decisions the writer did not see made are not logged: those made before a restart, unless the
 * engine hands them back (it does, with `decisionLogPath`, for the decisions still pending in its
 * snapshot and journal or database), and another replica's, unless the engine passes on the
 * replicas' stream (`onRemoteEvent`; it does with a shared store). With replicas each decision is
 * logged once: by the replica that took its feedback, or, settled without one, by the replica that
 * claimed its line first (`EngineStore.claimSettlementLines`; without it, by the one that made it).
 */
export class DecisionLogWriter {
  readonly #path: string;
  #fd: number;
  readonly #maxPending: number;
  readonly #maxQueued: number;
  readonly #batchSize: number;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  /** Decision events by id, oldest first, until their outcome or settlement arrives. */
  readonly #pending = new Map<string, DecisionEvent>();
  /** Decisions whose outcome or settlement the store is writing (`hold`): out of `#pending`'s count. */
  readonly #held = new Map<string, DecisionEvent>();
  /**
   * The pending or held decisions another replica made (`onRemoteEvent`): true for a live replica's,
   * false for one handed back at a restart (its maker unknown). It decides who logs a settlement
   * only on a store without `claimSettlementLines`: then the maker does.
   */
  readonly #foreign = new Map<string, boolean>();
  /** Decisions logged with the outcome the store kept (`supersede`) whose settlement here is still to come: no line for it. */
  readonly #superseded = new Set<string>();
  /** Finished decisions as flat pairs: decision event, then the outcome or settled event. */
  #queue: (DecisionEvent | EndEvent)[] = [];
  #writing: Promise<void> = Promise.resolve();
  /** The write `flushSoon` scheduled for the next turn, until it starts: callers in one turn share it. */
  #soon: Promise<void> | undefined;
  /** The last bounded wait `written` gave: answers waiting on one write share it, and its timer. */
  #wait: BoundedWait | undefined;
  #closed: Promise<void> | undefined;
  #lastError: DecisionLogWriteError | undefined;
  #written = 0;
  #dropped = 0;
  #forgotten = 0;
  #unconfirmed = 0;
  #unmatched = 0;
  #elsewhere = 0;
  #unclaimed = 0;
  /** The file's size after the last whole line written: a failed write is cut back to it. */
  #size = 0;
  #tornBytesDropped = 0;
  /** Times the path was opened again after the log was rotated away. */
  #reopened = 0;

  constructor(options: DecisionLogWriterOptions) {
    const { path, ...limits } = options ?? ({} as DecisionLogWriterOptions);
    if (typeof path !== "string" || path.length === 0) {
      throw ValidationError.forField("path", "must be the JSONL file to append decisions to, e.g. ./decisions.jsonl");
    }
    const resolved = { ...DEFAULTS };
    for (const [name, value] of Object.entries(limits) as [keyof typeof DEFAULTS, unknown][]) {
      if (value === undefined || !Object.hasOwn(DEFAULTS, name)) continue;
      const min = name === "flushIntervalMs" ? 0 : 1;
      if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
        throw ValidationError.forField(name, `must be a whole number ≥ ${min}, got ${String(value)}`);
      }
      resolved[name] = value;
    }
    this.#path = path;
    try {
      this.#fd = openSync(path, "a+");
    } catch (error) {
      throw new DecisionLogWriteError(path, error);
    }
    try {
      this.#size = this.#mendTail();
    } catch (error) {
      closeSync(this.#fd);
      throw error instanceof AuroraError ? error : new DecisionLogWriteError(path, error);
    }
    this.#maxPending = resolved.maxPending;
    this.#maxQueued = resolved.maxQueued;
    this.#batchSize = resolved.batchSize;
    if (resolved.flushIntervalMs > 0) {
      this.#timer = setInterval(() => void this.flush().catch(() => {}), resolved.flushIntervalMs);
      this.#timer.unref();
    }
  }

  /**
   * The engine listener: pass it as `onEvent`, or call it from yours. Never throws, never does I/O.
   * `claim` is the store's word on a settlement (`EngineStore.claimSettlementLines`, a store shared
   * by replicas): `mine`, this replica logs it (its settlement claimed the line first); `theirs`,
   * another replica does, or the decision's feedback; `unknown`, the store could not say, and it is
   * in no log. Without it, the replica that made the decision logs its settlement.
   */
  readonly onEvent = (event: EngineEvent, options?: { claim?: "mine" | "theirs" | "unknown" }): void => {
    if (this.#closed) return;
    if (event.type === "decision") {
      this.#track(event, undefined);
      return;
    }
    if (this.#superseded.delete(event.decision_id)) return;
    let decision = this.#pending.get(event.decision_id);
    if (decision !== undefined) this.#pending.delete(event.decision_id);
    else {
      decision = this.#held.get(event.decision_id);
      if (decision === undefined) {
        this.#unmatched++;
        return;
      }
      this.#held.delete(event.decision_id);
    }
    const live = this.#foreign.get(event.decision_id);
    this.#foreign.delete(event.decision_id);
    const claim = event.type === "settled" ? options?.claim : undefined;
    if (claim === "theirs") this.#elsewhere++;
    else if (claim === "unknown") this.#unclaimed++;
    else if (claim === undefined && live !== undefined && event.type === "settled") {
      // Made by another replica, which settles its own copy and logs that: one line, not one per
      // replica. Its maker unknown (a restart on a shared store), in no log.
      if (live) this.#elsewhere++;
      else this.#unclaimed++;
    } else this.#enqueue(decision, event);
  };

  #enqueue(decision: DecisionEvent, event: EndEvent): void {
    if (this.#queue.length >= 2 * this.#maxQueued) {
      this.#dropped++;
      return;
    }
    this.#queue.push(decision, event);
    if (this.#queue.length >= 2 * this.#batchSize) this.flushSoon();
  }

  /**
   * The listener for another replica's events, as a store shared by replicas brings them (the
   * engine calls it for each event it applies from the stream): another replica's decision is
   * tracked, so that its feedback taken here is logged here; an outcome another replica took ends
   * the decision here without a line, since that replica logs it. With `resumed`, a decision the
   * engine hands back at a restart on a shared store, whose maker it cannot tell: logged if its
   * feedback comes here; settled here, it is logged where the store's claim says (see `onEvent`'s
   * `claim`), or, without claims, in no log (`stats().unclaimed`). Never throws, never does I/O.
   */
  onRemoteEvent(event: EngineEvent, options?: { resumed?: boolean }): void {
    if (this.#closed) return;
    if (event.type === "decision") {
      const id = event.record.decision_id;
      if (!this.#pending.has(id) && !this.#held.has(id)) this.#track(event, options?.resumed !== true);
      return;
    }
    if (event.type !== "outcome") return;
    const id = event.decision_id;
    if (this.#pending.delete(id)) {
      this.#foreign.delete(id);
      this.#elsewhere++;
    }
  }

  /**
   * A decision settled here while its feedback's outcome was being written, which the store then
   * kept (a store shared by replicas: every other replica learns that outcome): it is logged with
   * the outcome, and its settlement here, written or to come, gives no line.
   */
  supersede(event: EngineEvent): void {
    if (this.#closed || event.type !== "outcome") return;
    const id = event.decision_id;
    const decision = this.#held.get(id) ?? this.#pending.get(id);
    if (decision === undefined) return;
    this.#held.delete(id);
    this.#pending.delete(id);
    this.#foreign.delete(id);
    this.#superseded.add(id);
    this.#enqueue(decision, event);
  }

  /** `live`: made by a live replica (false: its maker unknown), or undefined for this replica's own. */
  #track(event: DecisionEvent, live: boolean | undefined): void {
    const id = event.record.decision_id;
    this.#pending.set(id, event);
    if (live !== undefined) this.#foreign.set(id, live);
    else this.#foreign.delete(id);
    if (this.#pending.size > this.#maxPending) {
      const oldest = this.#pending.keys().next().value as string;
      this.#pending.delete(oldest);
      this.#foreign.delete(oldest);
      this.#forgotten++;
    }
  }

  /**
   * Writes what is queued on the next turn of the event loop, once however often it is called
   * before then: the engine calls it when its store has written a batch of outcomes, so their
   * lines reach the file within that turn instead of the next `flushIntervalMs`, and a process
   * killed after a feedback was acknowledged has its line.
   */
  flushSoon(): void {
    if (this.#closed) return;
    void this.#writeSoon();
  }

  /** The write of what is queued on the next turn of the event loop (one for every caller in this turn); never rejects. */
  #writeSoon(): Promise<void> {
    this.#soon ??= new Promise<void>((resolve) => {
      setImmediate(() => {
        this.#soon = undefined;
        void this.flush()
          .catch(() => {})
          .then(resolve);
      });
    });
    return this.#soon;
  }

  /**
   * A pending decision has finished, and the store is writing how (`RoutingEngine` calls this):
   * it no longer counts against `maxPending`, so decisions made meanwhile cannot push it out, and
   * waits for `onEvent` with its outcome or settlement once the store has it, or for `release`.
   */
  hold(decisionId: string): void {
    const decision = this.#pending.get(decisionId);
    if (decision === undefined) return;
    this.#pending.delete(decisionId);
    this.#held.set(decisionId, decision);
  }

  /**
   * The store did not confirm how a held decision finished: no line (`stats().unconfirmed`). With
   * `settled`, it was a settlement of another replica's decision, not counted: that replica, or
   * another whose settlement claims the line, logs it.
   */
  release(decisionId: string, settled = false): void {
    if (this.#superseded.delete(decisionId)) return;
    if (!this.#held.delete(decisionId)) return;
    const foreign = this.#foreign.delete(decisionId);
    if (!(foreign && settled)) this.#unconfirmed++;
  }

  /**
   * The candidates a pending decision chose among, for the engine's snapshot: a decision still
   * pending at a restart is logged when its outcome comes, if the snapshot kept them.
   */
  candidatesOf(decisionId: string): readonly Provider[] | undefined {
    return this.#pending.get(decisionId)?.candidates;
  }

  /**
   * Resolves once every line queued so far is in the file (written, not fsync'd: it survives the
   * process, not the machine), or its write failed (counted in `stats().dropped`), or after
   * `maxWaitMs` (default 1,000), the write going on: never rejects. The engine awaits it before it
   * answers a feedback, so a `kill -9` the moment after the answer still finds the line, and a log
   * on a disk that hangs (a stalled network mount) delays answers by a second at most. (`close()`
   * waits for every write, without a bound.) Throws `ValidationError` for a `maxWaitMs` that is not
   * a whole number of milliseconds from 0 to 2,147,483,647.
   */
  written(maxWaitMs = 1_000): Promise<void> {
    if (!Number.isInteger(maxWaitMs) || maxWaitMs < 0 || maxWaitMs > MAX_TIMER_MS) {
      throw ValidationError.forField(
        "maxWaitMs",
        `must be a whole number of milliseconds from 0 to 2,147,483,647, got ${String(maxWaitMs)}`,
      );
    }
    // One write on the next turn for every line queued in this one (the answers of one group
    // commit share it); with nothing queued, the write under way. Failures are caught in both.
    const write = this.#queue.length > 0 && !this.#closed ? this.#writeSoon() : this.#writing;
    const last = this.#wait;
    if (last !== undefined && last.write === write && last.ms === maxWaitMs && !last.expired) return last.promise;
    // One timer per write, however many answers wait on it; a new one once it has run out.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const wait: BoundedWait = { write, ms: maxWaitMs, expired: false, promise: write };
    wait.promise = Promise.race([
      write,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          wait.expired = true;
          resolve();
        }, maxWaitMs);
        timer.unref?.();
      }),
    ]);
    void write.then(() => clearTimeout(timer));
    this.#wait = wait;
    return wait.promise;
  }

  /** Writes every finished decision queued so far. Rejects with `DecisionLogWriteError` if that write fails. */
  flush(): Promise<void> {
    if (this.#queue.length === 0) return this.#writing;
    const batch = this.#queue;
    this.#queue = [];
    const write = this.#writing.then(() => this.#append(batch));
    this.#writing = write.catch(() => {});
    return write;
  }

  /** Writes what is queued and closes the file; decisions still waiting for an outcome are not logged. Safe to call twice. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    if (this.#timer) clearInterval(this.#timer);
    const flushed = this.flush();
    this.#closed = flushed
      .catch(() => {})
      .then(() => new Promise<void>((resolve) => close(this.#fd, () => resolve())))
      .then(() => {
        this.#pending.clear();
        this.#held.clear();
        this.#foreign.clear();
        this.#superseded.clear();
        if (this.#lastError) throw this.#lastError;
      });
    return this.#closed;
  }

  /** The JSONL file this writer appends to. */
  get path(): string {
    return this.#path;
  }

  /** The last failed write, if any. */
  get lastError(): DecisionLogWriteError | undefined {
    return this.#lastError;
  }

  stats(): DecisionLogStats {
    return {
      written: this.#written,
      pending: this.#pending.size,
      queued: this.#queue.length / 2,
      dropped: this.#dropped,
      forgotten: this.#forgotten,
      unconfirmed: this.#unconfirmed,
      unmatched: this.#unmatched,
      elsewhere: this.#elsewhere,
      unclaimed: this.#unclaimed,
      torn_bytes_dropped: this.#tornBytesDropped,
      reopened: this.#reopened,
    };
  }

  /**
   * Readies an existing file for appending; returns its size then. A file that does not begin as
   * a decision log (a model file, say: the wrong path) is refused, and left as it was. A process
   * killed mid-write leaves half a line at the end, and the next line appended would be glued to
   * it: the log would no longer parse from that line on, so the file is cut back to its last whole
   * line. A last line that is whole but lacks its newline (written by hand or by another tool)
   * is kept, and given one.
   */
  #mendTail(): number {
    const stat = fstatSync(this.#fd);
    if (!stat.isFile() || stat.size === 0) return stat.size;
    const head = Buffer.alloc(Math.min(stat.size, LOG_START.length));
    readSync(this.#fd, head, 0, head.length, 0);
    if (!LOG_START.startsWith(head.toString("latin1"))) {
      throw ValidationError.forField(
        "path",
        `${this.#path} is not a decision log (it does not begin with ${LOG_START}): refusing to append to it; give a new file or an earlier decision log`,
      );
    }
    const chunk = Buffer.alloc(64 * 1024);
    let end = stat.size;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const read = readSync(this.#fd, chunk, 0, end - start, start);
      const newline = chunk.subarray(0, read).lastIndexOf(0x0a);
      if (newline >= 0) {
        end = start + newline + 1;
        break;
      }
      end = start;
    }
    if (end === stat.size) return end;
    if (stat.size - end <= MAX_MENDED_LINE && wholeLine(this.#fd, end, stat.size)) {
      writeSync(this.#fd, "\n");
      return stat.size + 1;
    }
    ftruncateSync(this.#fd, end);
    this.#tornBytesDropped = stat.size - end;
    return end;
  }

  /**
   * A log renamed away (logrotate's default) or removed since it was opened is followed: the path
   * is opened again (a new file, or whatever decision log is there now) before the next write, so
   * lines do not go on into the rotated file. Truncated in place (`copytruncate`), it needs nothing:
   * the file is opened for appending.
   */
  #followPath(): void {
    let named: Stats | undefined;
    try {
      named = statSync(this.#path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const open = fstatSync(this.#fd);
    if (named !== undefined && named.ino === open.ino && named.dev === open.dev) return;
    const previous = this.#fd;
    this.#fd = openSync(this.#path, "a+");
    try {
      this.#size = this.#mendTail();
    } catch (error) {
      // Not a decision log there now: nothing is written to it, and the next write looks again.
      closeSync(this.#fd);
      this.#fd = previous;
      throw error;
    }
    closeSync(previous);
    this.#reopened++;
  }

  #append(batch: (DecisionEvent | EndEvent)[]): Promise<void> {
    try {
      this.#followPath();
    } catch (error) {
      this.#dropped += batch.length / 2;
      this.#lastError = new DecisionLogWriteError(this.#path, error);
      return Promise.reject(this.#lastError);
    }
    let text = "";
    for (let i = 0; i < batch.length; i += 2)
      text += `${JSON.stringify(toLine(batch[i] as DecisionEvent, batch[i + 1] as EndEvent))}\n`;
    const lines = batch.length / 2;
    const bytes = Buffer.from(text, "utf8");
    return new Promise<void>((resolve, reject) => {
      const fail = (error: Error, wrote: number) => {
        this.#dropped += lines;
        this.#lastError = new DecisionLogWriteError(this.#path, error);
        // Cut a partial write back to the last whole line, so the next batch starts a line of its own:
        // the file's size now less what this write put at its end (the file may have been rotated
        // or truncated by someone else since it was opened, so not this writer's own count).
        if (wrote > 0) {
          fstat(this.#fd, (statError, stat) => {
            const to = statError ? this.#size : Math.max(0, stat.size - wrote);
            ftruncate(this.#fd, to, () => reject(this.#lastError));
          });
        } else reject(this.#lastError);
      };
      const from = (offset: number) => {
        // The file is opened for appending: every write lands at its end, wherever the position is.
        write(this.#fd, bytes, offset, bytes.length - offset, null, (error, n) => {
          if (error) return fail(error, offset);
          if (offset + n < bytes.length) return from(offset + n);
          this.#size += bytes.length;
          this.#written += lines;
          resolve();
        });
      };
      from(0);
    });
  }
}

/** One decision and how it ended, as a line of `@aurora/evaluation`'s schema. */
function toLine({ record, candidates }: DecisionEvent, end: EndEvent): DecisionLogLine {
  const metadata = record.metadata as unknown as DecisionMetadata;
  const line: DecisionLogLine = {
    decision_id: record.decision_id,
    timestamp: new Date(record.created_at).toISOString(),
    state_key: record.state_key,
    context: record.context,
    candidates: candidates as DecisionLogLine["candidates"],
    chosen: record.provider_id,
    propensity: metadata.probability as number,
    policy: metadata.policy,
    mode: metadata.mode,
    psi_density: metadata.psi_density,
    ...(metadata.arm !== undefined ? { arm: metadata.arm } : {}),
    ...(metadata.probability_exact === false ? { propensity_exact: false as const } : {}),
    ...(metadata.inverse_probability !== undefined ? { inverse_propensity: metadata.inverse_probability } : {}),
    reward: end.reward,
    resolution: end.type === "outcome" ? "feedback" : end.reason,
    outcome: null,
  };
  if (end.type === "outcome") {
    const { decision_id: _, ...outcome } = end.outcome;
    line.outcome = outcome;
    // The pick failed first: what it earned is the failure it was learned with, not the fallback's reward.
    if (end.failed_reward !== undefined && outcome.failed_before?.includes(record.provider_id)) {
      line.chosen_reward = end.failed_reward;
    }
  }
  return line;
}
