import type { Anomaly, AuditEntry } from "@aurora/auditor";
import type { EngineEvent } from "./routing-engine.js";

/** A saved model version: its number, the SHA-256 of its bytes and the hash of the receipt before it (a chain). */
export interface Receipt {
  /** 1, 2, 3… per store; never reused. */
  version: number;
  /** SHA-256 (hex) of the snapshot's bytes exactly as stored. */
  sha256: string;
  /** Size of the snapshot in bytes. */
  bytes: number;
  /** `hash` of the previous receipt; 64 zeros for the first. */
  prev: string;
  /** ISO 8601 time the snapshot was taken. */
  saved_at: string;
  /** SHA-256 (hex) of this receipt's other fields (see `receiptHash`). */
  hash: string;
}

/** One audit record as kept in a store: an audit entry or an anomaly flag, hash-chained like receipts. */
export type AuditRecord = { kind: "entry"; entry: AuditEntry } | { kind: "anomaly"; anomaly: Anomaly };

/** What a store hands back when it opens: the last good snapshot and the events recorded after it, in order. */
export interface Recovered {
  /** The parsed snapshot (a model file: the Python engine's, or ours with `pending`); `undefined` when none. */
  snapshot: unknown;
  /** Events after the snapshot, oldest first, to replay on top of it. */
  events: Iterable<EngineEvent>;
  /** The receipt of the snapshot used, when it has one (a Python file has none). */
  receipt?: Receipt;
}

/** A store's health and counters, as `getStatus().store` reports them. */
export interface StoreStatus {
  kind: string;
  /** False while the store cannot write (disk error, database down); feedback then fails until it recovers. */
  ready: boolean;
  /** The last write error, when the store is not ready. */
  last_error: string | null;
  /** The receipt of the newest snapshot, if any. */
  snapshot_version: number | null;
  /** Events written since the newest snapshot. */
  events_since_snapshot: number;
  /** Totals over everything the store holds (every replica, for a shared store); null when it does not know. */
  shared_totals: { decisions: number; outcomes: number } | null;
}

/**
 * Where an engine keeps what must survive: snapshots of the model and the events after them.
 * Implementations: `MemoryStore` (tests), `FileStore` (journal + JSON snapshot beside it) and
 * `PostgresStore` in `@aurora/store-postgres`; each passes `describeEngineStoreContract`.
 */
/** What `EngineStore.findDecisionEvents` found. */
export interface FoundDecision {
  /** The decision's event, then the outcome and settlements that finished it; empty when unknown. */
  events: EngineEvent[];
  /** The decision is within the events this store has already handed the engine (at open or by `subscribe`). */
  read: boolean;
}

export interface EngineStore {
  /** Short name for status and logs, e.g. `"file"`. */
  readonly kind: string;
  /**
   * Optional: `false` for a store that keeps no journal of the events it is given, so that a
   * restart goes back to the last snapshot (a `FileStore` with `journal: false`). Absent: it does.
   */
  readonly journals?: boolean;
  /**
   * `true` for a store shared by replicas that refuses an outcome after `append` when another
   * replica's feedback for the same decision was written first (`DuplicateFeedbackError`): the
   * engine then learns an outcome only once the store has accepted it, so a refused one changes
   * nothing. Other stores accept every outcome the engine accepted, and the engine learns first.
   */
  readonly refusesDuplicateOutcomes?: boolean;
  /**
   * For a store shared by replicas: how long past a decision's reward wait each replica keeps its
   * copy pending before settling it, in ms. Feedback is refused as late from the wait's end on
   * everywhere, while an outcome another replica accepted in time still reaches this one through
   * `subscribe` and is learned: at least the longest an acknowledged `append` takes plus the time
   * the stream takes to bring it. Without it (0) a replica could settle its copy a moment before
   * another's outcome arrived, and keep the settlement.
   */
  readonly settleGraceMs?: number;
  /**
   * For a store that removes finished decisions' events after a while (PostgreSQL's event
   * retention), in ms: the engine refuses to start when it is shorter than its `rewardWaitMs` plus
   * `settleGraceMs`, since a decision settled on one replica may still be pending on another until
   * then, and its feedback there must still find it.
   */
  readonly eventRetentionMs?: number;
  /** Opens the store (applying migrations, dropping a torn journal tail…) and returns what to replay. */
  open(): Promise<Recovered>;
  /** The synchronous twin of `open`, for stores that can read at construction (`new RoutingEngine`). */
  openSync?(): Recovered;
  /**
   * Records an event in order. The returned promise resolves once the event is as durable as the
   * store promises (e.g. fsync'd), and rejects when it could not be written. Events must reach the
   * store in the order `append` was called, whether or not anyone awaits them. A store that rejects
   * an outcome it keeps queued (it timed out waiting, and goes on trying) may give the error a
   * `written: Promise<boolean>` that settles with its later word: true once written, false if not;
   * the engine's decision log logs the outcome then.
   */
  append(event: EngineEvent): Promise<void>;
  /** Appends an audit record to the hash-chained audit trail; written with the next group of events. */
  appendAudit(record: AuditRecord): void;
  /**
   * Up to `limit` of the newest records the audit trail holds, oldest first (all of them when it
   * holds fewer), called once the store is open: the engine puts them back into its in-memory
   * trail and anomaly ring, so the audit trail reads after a restart as it did before. Optional;
   * a store shared by replicas (PostgreSQL) leaves it out: a replica's in-memory trail is its own.
   */
  recentAudit?(limit: number): AuditRecord[] | Promise<AuditRecord[]>;
  /**
   * Takes a snapshot: calls `take` synchronously at the point where it cuts the event stream (every
   * event appended before belongs to the snapshot, every later one is replayed after it), stores the
   * result and returns its receipt. Events before the cut may then be compacted away. Rejects with
   * `SnapshotDeclinedError` when it takes none on purpose while every event it acknowledged is
   * durable (the engine's `close()` then resolves).
   */
  snapshot(take: () => object): Promise<Receipt>;
  /** Synchronous snapshot for exit handlers that cannot await; optional. */
  snapshotSync?(take: () => object): Receipt;
  /**
   * True when a background snapshot is worth its cost now (e.g. the journal outgrew the last
   * snapshot); `"timed"` when it is due only because time passed (the file store's
   * `minSnapshotIntervalMs`, a small journal): the engine then writes a whole snapshot, the memory
   * of finished decisions included, since the journal it cuts is what a restart would recall them from.
   */
  snapshotDue(): boolean | "timed";
  /** Events recorded by other processes sharing this store (replicas), delivered in the store's order. */
  subscribe?(listener: (event: EngineEvent) => void): () => void;
  /**
   * Optional, for a store shared by replicas, each of which settles its own copy of a decision:
   * of the decisions whose settlement this replica has written, those whose decision-log line it
   * claimed, atomically, before any other replica did, and that have no outcome (the replica that
   * took the feedback logs those). Without it, the replica that made a decision logs its
   * settlement, and one handed back at a restart (its maker unknown) is in no log.
   */
  claimSettlementLines?(decisionIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Optional: writes every event queued so far (rejects when it cannot); the engine's close() asks a store with claims to, before it closes it. */
  flush?(): Promise<void>;
  /** A decision recorded by another process, for feedback that reaches this one first. */
  findDecision?(decisionId: string): Promise<EngineEvent | undefined>;
  /**
   * Optional, preferred to `findDecision`: the decision's `decision` event followed by the events
   * that finished it, if any (another replica's `outcome`, `settled` ones); empty when unknown;
   * and whether the decision is within what this store has handed the engine already (`read`:
   * at `open`, or through `subscribe`). The engine learns a found outcome of a decision not read
   * yet as if it had come through the stream, and then refuses the feedback as a duplicate (or,
   * for a settled decision, as late), learning nothing from it. A decision read already was
   * applied and has finished here (the engine no longer remembers it: a snapshot without that
   * memory, or more finished since than it keeps): the feedback is refused from the stored
   * events alone, and nothing is applied again.
   */
  findDecisionEvents?(decisionId: string): Promise<FoundDecision>;
  status(): StoreStatus;
  /** Flushes what is buffered and releases files, connections and timers. */
  close(): Promise<void>;
  /**
   * Optional: the engine could not start on what `open` recovered and appended nothing; give back
   * at once what `open` took that would stop the next engine (a lock), and close the rest in the
   * background. Without it the engine calls `close()` and does not wait.
   */
  abandon?(): void;
}

/**
 * How the journal acknowledges appends. Both policies acknowledge a feedback only after an fsync
 * that covers it; appends that arrive together share one fsync (group commit).
 * - `"always"`: flush as soon as the event loop is free.
 * - `{ intervalMs }`: gather appends for up to `intervalMs` before one write and fsync.
 */
export type FsyncPolicy = "always" | { intervalMs: number };
