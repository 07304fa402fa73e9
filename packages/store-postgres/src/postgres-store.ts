import { randomUUID } from "node:crypto";
import {
  AuditChain,
  type AuditRecord,
  DuplicateFeedbackError,
  decodeEvent,
  type EngineEvent,
  type EngineStore,
  encodeEvent,
  type FoundDecision,
  jsonPieces,
  makeReceipt,
  type Receipt,
  type Recovered,
  SnapshotDeclinedError,
  type StoredEvent,
  type StoreStatus,
  sha256Hex,
  ValidationError,
} from "@aurora/engine";
import pg from "pg";
import { assertSchemaName, migrate } from "./migrations.js";
import {
  DEFAULT_QUERY_TIMEOUT_MS,
  type PgliteLike,
  pgClient,
  pgliteClient,
  type SqlClient,
  type SqlQueryable,
} from "./sql-client.js";
import { decodeJsonText, decodeText, encodeJsonText, encodeText } from "./stored-text.js";

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db`; default `DATABASE_URL` from the environment. Ignored with `pool` or `pglite`. */
  connectionString?: string;
  /** A `pg` pool to use (not ended by `close`). */
  pool?: pg.Pool;
  /** A PGlite database to use instead of a server (tests, single machine). */
  pglite?: PgliteLike;
  /** Schema holding the tables (created and migrated at `open`); default `"aurora"`. */
  schema?: string;
  /** How often other replicas' events and the shared totals are read, in ms (default 200). */
  pollMs?: number;
  /** Group commit window: events appended within it are written in one transaction, in ms (default 5). */
  flushMs?: number;
  /**
   * How long an acknowledged append waits for an unreachable database before it fails, in ms
   * (default 5000); the store also reports not ready once any event has waited this long unwritten.
   */
  appendTimeoutMs?: number;
  /**
   * Longest one statement of a write may run on the server, in ms (default 5000); a query with no
   * answer a second after that (a network partition) drops its connection, and the write is retried.
   * Not used with `pglite`.
   */
  queryTimeoutMs?: number;
  /** A background snapshot is due after this many events (default 20,000). */
  snapshotEvery?: number;
  /** How long feedback for an unknown decision waits for another replica to write it, in ms (default 1000). */
  findDecisionWaitMs?: number;
  /**
   * How long past a decision's reward wait each replica keeps its copy pending before settling it,
   * in ms, so that feedback another replica acknowledged in time reaches it first (feedback is
   * refused as late from the wait's end on). Default `appendTimeoutMs` + 2 × `pollMs` + 1000.
   */
  settleGraceMs?: number;
  /**
   * How long the events of a finished decision (its decision, outcome and settlement rows) are kept
   * after the decision was made, in ms (default 7 days; `Infinity` keeps them all). After each
   * snapshot, those older than this that both kept snapshots cover and every live replica has read
   * are removed, in batches: without it the tables grow by ~2 KB every decision, for ever. The
   * engine refuses one shorter than its `rewardWaitMs` plus `settleGraceMs`. Feedback for a removed
   * decision is a duplicate or late while the model remembers it finished, else unknown (404).
   */
  eventRetentionMs?: number;
  /**
   * How long audit records are kept, in ms, by the time they record (default `Infinity`: all of
   * them). After each snapshot, the oldest records up to the first one younger than this are
   * removed, and `store_head.audit_anchor_seq` / `audit_anchor_prev` say where the chain now begins.
   */
  auditRetentionMs?: number;
  /**
   * How long a replica may go without registering its position (after each poll that moves it,
   * and at the first poll after 10 s or a third of this, whichever is shorter) before event
   * retention stops waiting for it, in ms (default 60,000). Keep `pollMs` under a third of it. One
   * that comes back after missing removed events reports not ready.
   */
  replicaStaleMs?: number;
  /** Where notes go (a refused snapshot, a lost connection); default `console.warn`. */
  log?: (message: string) => void;
}

/** Default `eventRetentionMs`: a week, well past the default reward wait (48 h). */
const DEFAULT_EVENT_RETENTION_MS = 7 * 86_400_000;
/** Decisions removed per transaction by event retention. */
const PRUNE_BATCH = 5_000;
/** Audit records removed per transaction by audit retention. */
const AUDIT_PRUNE_BATCH = 10_000;
/** Default `replicaStaleMs`. */
const DEFAULT_REPLICA_STALE_MS = 60_000;
/** How often a replica whose position does not move says it is still there (at most a third of `replicaStaleMs`). */
const HEARTBEAT_MS = 10_000;
/** Registrations older than this (replicas that stopped without closing) are removed. */
const FORGET_REPLICA_MS = 86_400_000;

/** The store could not be reached within `appendTimeoutMs`: the feedback is not acknowledged. */
export class StoreUnavailableError extends Error {
  /**
   * For an outcome that stays queued: resolves once the database answers for it, true when it was
   * written, false when it was not (another replica's outcome was there first, or it was refused as
   * data). The engine's decision log waits on it.
   */
  readonly written: Promise<boolean> | undefined;

  constructor(message: string, options?: { cause?: unknown; written?: Promise<boolean> }) {
    super(message, options);
    this.name = "StoreUnavailableError";
    this.written = options?.written;
  }
}

/**
 * The database refused one event, written alone, as data it cannot hold (SQLSTATE class 22, a data
 * exception): retrying cannot change that, so it was dropped from the queue rather than hold back
 * every later event. The replica applied it in memory; no other replica and no restart sees it.
 */
export class EventRefusedError extends Error {
  readonly sqlState: string;
  constructor(what: string, sqlState: string, options: { cause: unknown }) {
    super(
      `the database refused ${what} as data it cannot hold (SQLSTATE ${sqlState}: ${(options.cause as Error)?.message}); it was dropped so that later events are written, and is kept in this replica's memory only`,
      options,
    );
    this.name = "EventRefusedError";
    this.sqlState = sqlState;
  }
}

interface Pending {
  n: number;
  event: EngineEvent;
  /** `Date.now()` when appended: readiness fails once the oldest unwritten one is older than `appendTimeoutMs`. */
  queuedAt: number;
  resolve: () => void;
  reject: (error: unknown) => void;
  timer?: NodeJS.Timeout;
  /** An outcome whose caller was answered (timed out) while it stays queued: the engine learned it then. */
  answered?: boolean;
}

interface QueuedAudit {
  record: AuditRecord;
  queuedAt: number;
}

interface Row {
  seq: string | number;
  origin: string;
  n: string | number;
  /** The `jsonb` column as text (`event::text`), its strings escaped as written. */
  event: string;
}

const BATCH = 400;

/**
 * The engine's store on PostgreSQL: every replica (sidecar) appends its events to shared tables
 * in one global order (`seq`, assigned under a lock on `store_head`, so it follows commit order),
 * and tails the events of the others to apply each exactly once. A decision made on one replica
 * becomes pending on all, so its feedback may reach any of them; the database accepts one
 * outcome per decision (primary key), so no feedback is learned twice; shared totals and the
 * per-(state, provider) sums and counts are updated in the same transaction as the events.
 */
export class PostgresStore implements EngineStore {
  readonly kind = "postgres";
  /** Two replicas can accept feedback for one decision: the database keeps the first, refuses the other. */
  readonly refusesDuplicateOutcomes = true;
  readonly settleGraceMs: number;
  readonly origin = randomUUID();
  readonly #client: SqlClient;
  readonly #schema: string;
  readonly #pollMs: number;
  readonly #flushMs: number;
  readonly #appendTimeoutMs: number;
  readonly #snapshotEvery: number;
  readonly #findDecisionWaitMs: number;
  readonly #queryTimeoutMs: number;
  readonly #eventRetentionMs: number;
  readonly #auditRetentionMs: number;
  readonly #replicaStaleMs: number;
  readonly #log: (message: string) => void;
  /** Event retention under way (after a snapshot); `close` waits for it. */
  #pruning: Promise<void> | undefined;
  /** Set once event retention removed events this replica had not read: it is not ready until restarted. */
  #missed: Error | undefined;
  /** The settlement-line claims asked in this turn of the event loop, answered by one query on the next. */
  #claims: { ids: string[]; claimed: Promise<ReadonlySet<string>> } | undefined;
  /** The position last registered in `replicas`, and when (`Date.now()`). */
  #registered = { position: -1, at: 0 };
  #n = 0;
  #outbox: Pending[] = [];
  #audit: QueuedAudit[] = [];
  /** After a data exception in a group commit: how many queued items are still to be written one per transaction, to find the one refused. */
  #isolating = 0;
  #flushing: Promise<void> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  /** Every event with seq ≤ position has been applied here (own events live, others' by tailing). */
  #position = 0;
  /** Own events written with a seq beyond `position`: they are in the model already. */
  #ownAhead: { n: number; seq: number }[] = [];
  /**
   * The newest seq among the events `findDecisionEvents` handed out: the engine applies them
   * (a decision another replica made, fed back here before the stream brought it), so a snapshot's
   * cut must reach it.
   */
  #lookedUpTo = 0;
  #listener: ((event: EngineEvent) => void) | undefined;
  #receipt: Receipt | undefined;
  #eventsSinceSnapshot = 0;
  #totals: { decisions: number; outcomes: number } | null = null;
  #lastError: unknown;
  #opened = false;
  #closed = false;

  constructor(options: PostgresStoreOptions = {}) {
    this.#schema = assertSchemaName(options.schema ?? "aurora");
    if (options.pglite) this.#client = pgliteClient(options.pglite, false);
    else if (options.pool) this.#client = pgClient(options.pool, false, options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS);
    else {
      const connectionString = options.connectionString ?? process.env.DATABASE_URL;
      if (!connectionString) {
        throw new TypeError(
          "PostgresStore needs a database: pass connectionString (e.g. postgres://postgres@127.0.0.1:5432/aurora) or set DATABASE_URL",
        );
      }
      // keepAlive: an idle connection to a host that went away is found dead by TCP, not at its next use.
      const pool = new pg.Pool({ connectionString, max: 4, connectionTimeoutMillis: 2_000, keepAlive: true });
      // An idle connection dropped by a database restart must not crash the process; the next query reconnects.
      pool.on("error", (error) => this.#noteError(error));
      this.#client = pgClient(pool, true, options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS);
    }
    this.#pollMs = options.pollMs ?? 200;
    this.#flushMs = options.flushMs ?? 5;
    this.#appendTimeoutMs = options.appendTimeoutMs ?? 5_000;
    this.#snapshotEvery = options.snapshotEvery ?? 20_000;
    this.#findDecisionWaitMs = options.findDecisionWaitMs ?? 1_000;
    // An acknowledged outcome is written within appendTimeoutMs of its feedback, and read by every
    // other replica at its next poll: settling later than both leaves no outcome behind.
    this.settleGraceMs = options.settleGraceMs ?? this.#appendTimeoutMs + 2 * this.#pollMs + 1_000;
    if (!Number.isFinite(this.settleGraceMs) || this.settleGraceMs < 0) {
      throw new RangeError(`settleGraceMs must be a finite number of milliseconds ≥ 0, got ${String(options.settleGraceMs)}`);
    }
    this.#queryTimeoutMs = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    this.#eventRetentionMs = options.eventRetentionMs ?? DEFAULT_EVENT_RETENTION_MS;
    if (typeof this.#eventRetentionMs !== "number" || !(this.#eventRetentionMs >= 1)) {
      throw ValidationError.forField(
        "options.eventRetentionMs",
        `must be a number of milliseconds ≥ 1, or Infinity to keep every event, got ${String(options.eventRetentionMs)}`,
      );
    }
    this.#auditRetentionMs = options.auditRetentionMs ?? Number.POSITIVE_INFINITY;
    if (typeof this.#auditRetentionMs !== "number" || !(this.#auditRetentionMs >= 1)) {
      throw ValidationError.forField(
        "options.auditRetentionMs",
        `must be a number of milliseconds ≥ 1, or Infinity to keep every audit record, got ${String(options.auditRetentionMs)}`,
      );
    }
    this.#replicaStaleMs = options.replicaStaleMs ?? DEFAULT_REPLICA_STALE_MS;
    if (!Number.isSafeInteger(this.#replicaStaleMs) || this.#replicaStaleMs < 1) {
      throw ValidationError.forField(
        "options.replicaStaleMs",
        `must be a whole number of milliseconds ≥ 1, got ${String(options.replicaStaleMs)}`,
      );
    }
    this.#log = options.log ?? ((message) => console.warn(`[aurora] ${message}`));
  }

  /** See `EngineStore.eventRetentionMs`: the engine checks it against its reward wait. */
  get eventRetentionMs(): number {
    return this.#eventRetentionMs;
  }

  /** `"postgres"` (a server) or `"pglite"`. */
  get backend(): string {
    return this.#client.backend;
  }

  get #t(): string {
    return `"${this.#schema}"`;
  }

  async open(): Promise<Recovered> {
    await migrate(this.#client, this.#schema);
    const t = this.#t;
    const { rows: receipts } = await this.#client.query<Receipt & { version: number; bytes: number }>(
      `SELECT version, sha256, bytes, prev, saved_at, hash FROM ${t}.receipts ORDER BY version DESC LIMIT 1`,
    );
    if (receipts[0]) this.#receipt = receiptOf(receipts[0]);
    // Registered at the snapshot's cut before the events after it are read, under the retention
    // lock: a removal either came first (and the newest snapshot, which covers it, is loaded
    // again) or waits for this registration and leaves those events alone.
    let snapshot = await this.#loadSnapshot();
    for (let attempt = 1; ; attempt++) {
      const upto = snapshot?.upto_seq ?? 0;
      const prunedSeq = await this.#client.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.#retentionLock]);
        await this.#register(tx, upto);
        const { rows } = await tx.query<{ pruned_seq: string }>(`SELECT pruned_seq FROM ${t}.store_head WHERE id = 1`);
        return Number(rows[0]?.pruned_seq ?? 0);
      });
      if (upto >= prunedSeq) break;
      if (attempt === 3) {
        throw new Error(
          `${this.#schema} holds no snapshot covering the events up to seq ${prunedSeq} that event retention removed, so the model cannot be rebuilt from what is left: restore the database from a backup`,
        );
      }
      snapshot = await this.#loadSnapshot();
    }
    const unapplied = new Set(snapshot?.origin_unapplied ?? []);
    const events: EngineEvent[] = [];
    if (snapshot && unapplied.size > 0) {
      // Such an outcome may have been numbered at or before the cut (the stream read its row before
      // its writer had the commit's reply): replayed first, in order.
      const { rows } = await this.#client.query<Row>(
        `SELECT seq, origin, n, event::text AS event FROM ${t}.outcomes WHERE origin = $1 AND n = ANY($2::bigint[]) AND seq <= $3 ORDER BY seq`,
        [snapshot.origin, [...unapplied], snapshot.upto_seq],
      );
      for (const row of rows) events.push(decodeEvent(storedEventOf(row)));
    }
    let after = snapshot?.upto_seq ?? 0;
    for (;;) {
      const rows = await this.#eventsAfter(this.#client, after, 5_000);
      for (const row of rows) {
        const seq = Number(row.seq);
        after = seq;
        if (
          snapshot &&
          row.origin === snapshot.origin &&
          Number(row.n) >= snapshot.origin_from_n &&
          Number(row.n) <= snapshot.origin_to_n &&
          !unapplied.has(Number(row.n))
        ) {
          continue;
        }
        events.push(decodeEvent(storedEventOf(row)));
      }
      if (rows.length < 5_000) break;
    }
    this.#position = after;
    this.#eventsSinceSnapshot = events.length;
    await this.#readTotals();
    this.#opened = true;
    const recovered: Recovered = { snapshot: snapshot?.value, events };
    if (snapshot) recovered.receipt = snapshot.receipt;
    return recovered;
  }

  append(event: EngineEvent): Promise<void> {
    if (!this.#opened || this.#closed)
      return Promise.reject(new Error("PostgresStore is not open: the engine opens it (RoutingEngine.open)"));
    this.#eventsSinceSnapshot++;
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { n: ++this.#n, event, queuedAt: Date.now(), resolve, reject };
      if (event.type === "outcome") {
        // Only feedback is acknowledged to a caller: it must not wait forever on a database that is down.
        pending.timer = setTimeout(() => {
          let answer!: (written: boolean) => void;
          const written = new Promise<boolean>((resolve) => (answer = resolve));
          const error = new StoreUnavailableError(
            `the database did not take this outcome within ${this.#appendTimeoutMs} ms; it stays queued and is retried`,
            { written },
          );
          // Reachable but not writing (a lock held, a stalled server) is not ready either, until the queue drains.
          this.#lastError ??= error;
          pending.answered = true;
          pending.reject(error);
          pending.resolve = () => answer(true);
          pending.reject = () => answer(false);
        }, this.#appendTimeoutMs);
      }
      this.#outbox.push(pending);
      this.#scheduleFlush();
    });
  }

  appendAudit(record: AuditRecord): void {
    this.#audit.push({ record, queuedAt: Date.now() });
    this.#scheduleFlush();
  }

  snapshotDue(): boolean {
    return this.#eventsSinceSnapshot >= this.#snapshotEvery;
  }

  async snapshot(take: () => object): Promise<Receipt> {
    // Only what was queued before the snapshot: under steady load the queue is never empty, and a
    // snapshot that waited for that never came (own events still queued at the cut are covered by
    // origin_from_n…origin_to_n).
    await this.#flushQueued();
    // A poll under way may have read before the last of those were written: the cut comes from one
    // that starts after them, so that it covers them (retention keeps what a cut does not cover).
    await this.#polling;
    await this.#poll();
    // A decision looked up by id may be newer than what that poll read (it was already under way
    // when the decision was written): the model holds it, so the cut must cover it, or a restart
    // from this snapshot would replay it (pending again, or refused as already finished).
    while (this.#position < this.#lookedUpTo) {
      const before = this.#position;
      await this.#poll();
      if (this.#position === before) {
        throw new StoreUnavailableError(
          `the event stream could not be read up to seq ${this.#lookedUpTo}, which the model already holds: no snapshot was taken (${(this.#lastError as Error | undefined)?.message ?? String(this.#lastError)})`,
        );
      }
    }
    // A model that missed events must not become the snapshot every restart starts from.
    if (this.#missed) throw new SnapshotDeclinedError(this.#missed.message);
    const value = take();
    // The model now holds every event up to `position`, plus own events from..to that are not covered by it.
    const from = this.#firstOwnBeyond();
    const cut = {
      upto_seq: this.#position,
      origin: this.origin,
      origin_from_n: from,
      origin_to_n: this.#n,
      // Own outcomes still being written: the engine learns one only once it is written (or its
      // caller has been answered), so the model lacks them though they fall in the range.
      origin_unapplied: this.#outbox
        .filter((pending) => pending.event.type === "outcome" && !pending.answered && pending.n >= from)
        .map((pending) => pending.n),
    };
    this.#eventsSinceSnapshot = 0;
    let text = "";
    for (const piece of jsonPieces(value)) {
      text += piece;
      // Let decisions through between pieces of a large model.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const t = this.#t;
    const receipt = await this.#client.transaction(
      async (tx) => {
        const { rows: heads } = await tx.query<{ pruned_seq: string }>(
          `SELECT pruned_seq FROM ${t}.store_head WHERE id = 1 FOR UPDATE`,
        );
        // Event retention removed events past this cut while it was written (this replica read them
        // since, through its polls): a restart from it would lack them, so it is not kept.
        const pruned = Number(heads[0]?.pruned_seq ?? 0);
        if (cut.upto_seq < pruned) {
          throw new StoreUnavailableError(
            `this snapshot's cut (seq ${cut.upto_seq}) is older than the events event retention removed while it was written (up to seq ${pruned}): not kept; the next snapshot will be`,
          );
        }
        const { rows } = await tx.query<Receipt & { version: number; bytes: number }>(
          `SELECT version, sha256, bytes, prev, saved_at, hash FROM ${t}.receipts ORDER BY version DESC LIMIT 1`,
        );
        const previous = rows[0] ? receiptOf(rows[0]) : undefined;
        const made = makeReceipt(previous, { sha256: sha256Hex(text), bytes: Buffer.byteLength(text) }, new Date().toISOString());
        await tx.query(
          `INSERT INTO ${t}.receipts (version, sha256, bytes, prev, saved_at, hash) VALUES ($1, $2, $3, $4, $5, $6)`,
          [made.version, made.sha256, made.bytes, made.prev, made.saved_at, made.hash],
        );
        await tx.query(
          `INSERT INTO ${t}.snapshots (version, content, upto_seq, origin, origin_from_n, origin_to_n, origin_unapplied)
           VALUES ($1, $2, $3, $4, $5, $6, $7::bigint[])`,
          [made.version, text, cut.upto_seq, cut.origin, cut.origin_from_n, cut.origin_to_n, cut.origin_unapplied],
        );
        // Keep two versions: the newest, and the one to fall back on if it were ever found damaged.
        await tx.query(`DELETE FROM ${t}.snapshots WHERE version < $1`, [made.version - 1]);
        return made;
      },
      this.#bulk(Buffer.byteLength(text)),
    );
    this.#receipt = receipt;
    this.#pruning ??= Promise.all([this.#pruneEvents(), this.#pruneAudit()])
      .then(() => {})
      .finally(() => {
        this.#pruning = undefined;
      });
    return receipt;
  }

  /**
   * Event retention: removes, a batch per transaction, the decisions made over `eventRetentionMs`
   * ago that are finished (an outcome or a settlement) and whose every event both kept snapshots
   * cover (seq ≤ the older one's cut), with their outcomes and settlements, and records the newest
   * seq removed. A restart replays only events after a kept snapshot's cut, so it never needs them.
   */
  async #pruneEvents(): Promise<void> {
    if (this.#eventRetentionMs === Number.POSITIVE_INFINITY) return;
    const t = this.#t;
    try {
      // Decision-log claims outlive every replica's settlement of their decision (retention ≥ reward
      // wait + grace), whatever the snapshots: removed by age, a batch per statement.
      for (;;) {
        const { rows: claims } = await this.#client.query<{ removed: string }>(
          `WITH gone AS (DELETE FROM ${t}.log_claims WHERE decision_id IN (
             SELECT decision_id FROM ${t}.log_claims WHERE claimed_at < now() - $1::bigint * interval '1 millisecond' LIMIT $2
           ) RETURNING 1) SELECT count(*) AS removed FROM gone`,
          [this.#eventRetentionMs, PRUNE_BATCH],
        );
        if (Number(claims[0]?.removed ?? 0) < PRUNE_BATCH || this.#closed) break;
      }
      const { rows: kept } = await this.#client.query<{ snapshots: string; horizon: string | null }>(
        `SELECT count(*) AS snapshots, min(upto_seq) AS horizon FROM ${t}.snapshots`,
      );
      // With one snapshot, a damaged one would mean replaying every event from the first.
      if (Number(kept[0]?.snapshots ?? 0) < 2) return;
      const snapshotsCover = Number(kept[0]?.horizon ?? 0);
      const cutoff = Date.now() - this.#eventRetentionMs;
      for (;;) {
        const removed = await this.#client.transaction(async (tx) => {
          // Serialised with replicas registering at open: none is between its snapshot and its replay.
          await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.#retentionLock]);
          await tx.query(`DELETE FROM ${t}.replicas WHERE seen_at < now() - $1::bigint * interval '1 millisecond'`, [
            FORGET_REPLICA_MS,
          ]);
          // Nothing a live replica has not read yet: it will never read what is gone.
          const { rows: live } = await tx.query<{ position: string | null }>(
            `SELECT min(position) AS position FROM ${t}.replicas WHERE seen_at > now() - $1::bigint * interval '1 millisecond'`,
            [this.#replicaStaleMs],
          );
          const horizon = Math.min(snapshotsCover, live[0]?.position == null ? snapshotsCover : Number(live[0].position));
          const { rows } = await tx.query<{ removed: string; top: string | null }>(
            `WITH gone AS (
               DELETE FROM ${t}.decisions WHERE decision_id IN (
                 SELECT d.decision_id FROM ${t}.decisions d
                  WHERE d.seq <= $1 AND d.created_at < $2
                    AND (EXISTS (SELECT 1 FROM ${t}.outcomes o WHERE o.decision_id = d.decision_id)
                      OR EXISTS (SELECT 1 FROM ${t}.settlements s WHERE s.decision_id = d.decision_id))
                    AND NOT EXISTS (SELECT 1 FROM ${t}.outcomes o WHERE o.decision_id = d.decision_id AND o.seq > $1)
                    AND NOT EXISTS (SELECT 1 FROM ${t}.settlements s WHERE s.decision_id = d.decision_id AND s.seq > $1)
                  ORDER BY d.seq LIMIT $3)
               RETURNING decision_id, seq),
             o AS (DELETE FROM ${t}.outcomes WHERE decision_id IN (SELECT decision_id FROM gone) RETURNING seq),
             s AS (DELETE FROM ${t}.settlements WHERE decision_id IN (SELECT decision_id FROM gone) RETURNING seq)
             SELECT (SELECT count(*) FROM gone) AS removed,
                    GREATEST((SELECT max(seq) FROM gone), (SELECT max(seq) FROM o), (SELECT max(seq) FROM s)) AS top`,
            [horizon, cutoff, PRUNE_BATCH],
          );
          const count = Number(rows[0]?.removed ?? 0);
          // Settlements a replica wrote after the decision's events were removed (its copy expired later).
          const { rows: orphans } = await tx.query<{ top: string | null }>(
            `WITH gone AS (DELETE FROM ${t}.settlements s WHERE s.seq <= $1 AND s.at < $2
               AND NOT EXISTS (SELECT 1 FROM ${t}.decisions d WHERE d.decision_id = s.decision_id) RETURNING seq)
             SELECT max(seq) AS top FROM gone`,
            [horizon, cutoff],
          );
          const top = Math.max(Number(rows[0]?.top ?? 0), Number(orphans[0]?.top ?? 0));
          if (top > 0) await tx.query(`UPDATE ${t}.store_head SET pruned_seq = GREATEST(pruned_seq, $1) WHERE id = 1`, [top]);
          return count;
        });
        // A closing store finishes the batch under way (close waits for it) and leaves the rest for later.
        if (removed < PRUNE_BATCH || this.#closed) return;
      }
    } catch (error) {
      // Housekeeping: tried again after the next snapshot.
      this.#log(
        `event retention could not remove old events (${(error as Error)?.message ?? String(error)}); it will be tried again`,
      );
    }
  }

  /**
   * Audit retention: removes, a batch per transaction, the oldest audit records up to the first
   * one whose time is within `auditRetentionMs` (so only a prefix of the chain goes, whatever the
   * replicas' clocks), and anchors the chain where it now begins: the first kept record's `seq`
   * and `prev`, or, with none left, the next record's (the chain's head in `store_head`).
   */
  async #pruneAudit(): Promise<void> {
    if (this.#auditRetentionMs === Number.POSITIVE_INFINITY) return;
    const t = this.#t;
    const cutoff = new Date(Date.now() - this.#auditRetentionMs).toISOString();
    try {
      for (;;) {
        const removed = await this.#client.transaction(async (tx) => {
          // The writers' lock: no record is appended while the prefix is cut and anchored.
          const { rows: heads } = await tx.query<{ audit_seq: string; audit_hash: string }>(
            `SELECT audit_seq, audit_hash FROM ${t}.store_head WHERE id = 1 FOR UPDATE`,
          );
          const head = heads[0];
          if (!head) return 0;
          const { rows: young } = await tx.query<{ seq: string }>(
            `SELECT seq FROM ${t}.audit_trail
              WHERE coalesce(record #>> '{entry,timestamp}', record #>> '{anomaly,timestamp}') >= $1 ORDER BY seq LIMIT 1`,
            [cutoff],
          );
          const keepFrom = young[0] ? Number(young[0].seq) : Number(head.audit_seq) + 1;
          const { rows: gone } = await tx.query<{ seq: string }>(
            `DELETE FROM ${t}.audit_trail WHERE seq IN (
               SELECT seq FROM ${t}.audit_trail WHERE seq < $1 ORDER BY seq LIMIT $2) RETURNING seq`,
            [keepFrom, AUDIT_PRUNE_BATCH],
          );
          if (gone.length === 0) return 0;
          const { rows: first } = await tx.query<{ seq: string; prev: string }>(
            `SELECT seq, prev FROM ${t}.audit_trail ORDER BY seq LIMIT 1`,
          );
          const anchor = first[0]
            ? { seq: Number(first[0].seq), prev: first[0].prev }
            : { seq: Number(head.audit_seq) + 1, prev: head.audit_hash };
          await tx.query(`UPDATE ${t}.store_head SET audit_anchor_seq = $1, audit_anchor_prev = $2 WHERE id = 1`, [
            anchor.seq,
            anchor.prev,
          ]);
          return gone.length;
        });
        if (removed < AUDIT_PRUNE_BATCH || this.#closed) return;
      }
    } catch (error) {
      this.#log(
        `audit retention could not remove old records (${(error as Error)?.message ?? String(error)}); it will be tried again`,
      );
    }
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.#listener = listener;
    this.#schedulePoll();
    return () => {
      this.#listener = undefined;
      clearTimeout(this.#pollTimer);
      this.#pollTimer = undefined;
    };
  }

  /**
   * See `EngineStore.claimSettlementLines`: claims, for this replica, the decision-log line of each
   * decision whose settlement it wrote, unless another replica claimed it first or an outcome was
   * written (`log_claims`, one row per decision, `INSERT … ON CONFLICT DO NOTHING`). The calls of
   * one turn of the event loop share one statement.
   */
  claimSettlementLines(decisionIds: readonly string[]): Promise<ReadonlySet<string>> {
    if (this.#claims === undefined) {
      const ids: string[] = [];
      const claimed = new Promise<ReadonlySet<string>>((resolve, reject) => {
        setImmediate(() => {
          this.#claims = undefined;
          this.#claimLines(ids).then(resolve, reject);
        });
      });
      this.#claims = { ids, claimed };
    }
    this.#claims.ids.push(...decisionIds);
    return this.#claims.claimed;
  }

  async #claimLines(decisionIds: readonly string[]): Promise<ReadonlySet<string>> {
    const t = this.#t;
    const { rows } = await this.#client.query<{ decision_id: string }>(
      `INSERT INTO ${t}.log_claims (decision_id, origin)
       SELECT id, $2 FROM unnest($1::text[]) AS id
        WHERE NOT EXISTS (SELECT 1 FROM ${t}.outcomes o WHERE o.decision_id = id)
       ON CONFLICT (decision_id) DO NOTHING
       RETURNING decision_id`,
      [[...new Set(decisionIds)].map(encodeText), this.origin],
    );
    return new Set(rows.map((row) => decodeText(row.decision_id)));
  }

  async findDecision(decisionId: string): Promise<EngineEvent | undefined> {
    return (await this.findDecisionEvents(decisionId)).events[0];
  }

  /**
   * The decision's event, then its outcome and its settlements, if any; waits a little for a
   * decision not written yet. `read`: its seq is within what `open` and the polls have handed the
   * engine (its own events count as read: the engine applied them as it wrote them).
   */
  async findDecisionEvents(decisionId: string): Promise<FoundDecision> {
    const deadline = Date.now() + this.#findDecisionWaitMs;
    const t = this.#t;
    for (;;) {
      const { rows } = await this.#client.query<{ kind: string; seq: string; origin: string; event: string }>(
        `SELECT 'decision' AS kind, seq, origin, event::text AS event FROM ${t}.decisions WHERE decision_id = $1
         UNION ALL SELECT 'outcome', seq, origin, event::text FROM ${t}.outcomes WHERE decision_id = $1
         UNION ALL SELECT 'settled', seq, origin, event::text FROM ${t}.settlements WHERE decision_id = $1`,
        [encodeText(decisionId)],
      );
      const order = ["decision", "outcome", "settled"];
      rows.sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind));
      const decision = rows[0];
      if (decision?.kind === "decision") {
        const read = Number(decision.seq) <= this.#position || decision.origin === this.origin;
        if (!read) for (const row of rows) this.#lookedUpTo = Math.max(this.#lookedUpTo, Number(row.seq));
        return { events: rows.map((row) => decodeEvent(storedEventOf(row))), read };
      }
      // The replica that made it may not have written it yet (group commit): wait a little before calling it unknown.
      if (Date.now() >= deadline) return { events: [], read: false };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  status(): StoreStatus {
    const problem = this.#missed ?? this.#lastError ?? this.#stalled();
    return {
      kind: this.kind,
      ready: problem === undefined,
      last_error: problem === undefined ? null : String((problem as Error)?.message ?? problem),
      snapshot_version: this.#receipt?.version ?? null,
      events_since_snapshot: this.#eventsSinceSnapshot,
      shared_totals: this.#totals,
    };
  }

  /**
   * Why the store is not ready though no write failed: the oldest unwritten event or audit record
   * has waited over `appendTimeoutMs` (a lock held, a stalled server). Decisions are acknowledged to
   * no one, so without this a replica taking only decisions would look ready while writing nothing.
   */
  #stalled(): string | undefined {
    const oldest = Math.min(
      this.#outbox[0]?.queuedAt ?? Number.POSITIVE_INFINITY,
      this.#audit[0]?.queuedAt ?? Number.POSITIVE_INFINITY,
    );
    const waited = Date.now() - oldest;
    if (!(waited > this.#appendTimeoutMs)) return undefined;
    return `the oldest unwritten event has waited ${waited} ms, over appendTimeoutMs (${this.#appendTimeoutMs} ms): the database does not take writes (a lock held, a stalled server)`;
  }

  /**
   * The time bound for moving `bytes` of snapshot: `queryTimeoutMs` plus a second per MB (a model
   * of 138 MB took 8 s to write and 6 s to read on localhost), so a partition is still noticed but
   * a large model is not cut off for its size.
   */
  #bulk(bytes: number): { timeoutMs: number } {
    return { timeoutMs: this.#queryTimeoutMs + Math.ceil(bytes / 1_000_000) * 1_000 };
  }

  /** Resolves once everything appended so far is committed (or rejects with the write error). */
  async flush(): Promise<void> {
    while (this.#outbox.length > 0 || this.#audit.length > 0 || this.#flushing) {
      if (!this.#flushing) this.#startFlush();
      await this.#flushing;
      if (this.#lastError !== undefined && (this.#outbox.length > 0 || this.#audit.length > 0)) throw this.#lastError;
    }
  }

  /** Waits until every event queued before this call is written or dropped; later ones may still wait. */
  async #flushQueued(): Promise<void> {
    const upto = this.#n;
    const waiting = () => (this.#outbox[0]?.n ?? Number.POSITIVE_INFINITY) <= upto;
    while (waiting()) {
      if (!this.#flushing) this.#startFlush();
      await this.#flushing;
      if (this.#lastError !== undefined && waiting()) throw this.#lastError;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#flushTimer);
    this.#listener = undefined;
    try {
      await this.flush().catch((error: unknown) =>
        this.#log(`closing with ${this.#outbox.length} unwritten events: ${(error as Error).message}`),
      );
      await this.#polling;
      await this.#pruning;
      await this.#client.query(`DELETE FROM ${this.#t}.replicas WHERE origin = $1`, [this.origin]).catch(() => {});
    } finally {
      await this.#client.end();
    }
  }

  /** The `n` from which own events are in the model but not (yet) covered by `position`. */
  #firstOwnBeyond(): number {
    const ahead = this.#ownAhead.find((own) => own.seq > this.#position);
    if (ahead) return ahead.n;
    return this.#outbox[0]?.n ?? this.#n + 1;
  }

  #scheduleFlush(): void {
    if (this.#flushTimer || this.#flushing || this.#closed) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#startFlush();
    }, this.#flushMs);
  }

  #startFlush(): void {
    if (this.#flushing) return;
    this.#flushing = this.#flushBatch().finally(() => {
      this.#flushing = undefined;
      if (this.#closed) return;
      if (this.#lastError !== undefined) {
        // The database is unreachable: try again shortly; acknowledged appends time out meanwhile.
        this.#flushTimer ??= setTimeout(() => {
          this.#flushTimer = undefined;
          this.#startFlush();
        }, 250);
      } else if (this.#outbox.length > 0 || this.#audit.length > 0) this.#scheduleFlush();
    });
  }

  async #flushBatch(): Promise<void> {
    // While isolating, one event (or, once no event is left, one audit record) per transaction.
    const single = this.#isolating > 0;
    const batch = this.#outbox.slice(0, single ? 1 : BATCH);
    const audit = this.#audit.slice(0, single ? 1 - batch.length : BATCH).map((queued) => queued.record);
    if (batch.length === 0 && audit.length === 0) return;
    let written: { seqs: number[]; refused: Set<number> };
    try {
      written = await this.#client.transaction((tx) => this.#write(tx, batch, audit));
    } catch (error) {
      const sqlState = dataException(error);
      if (sqlState === undefined) this.#noteError(error);
      else if (single) this.#drop(batch[0], audit[0], sqlState, error);
      else {
        // Retrying the same batch would fail the same way for ever, holding back every later event:
        // write its items one by one instead, and drop only the one the database refuses.
        this.#isolating = batch.length + audit.length;
        this.#log(
          `a group commit of ${batch.length + audit.length} items was refused as data (SQLSTATE ${sqlState}): writing them one by one`,
        );
      }
      return;
    }
    if (single) this.#isolating--;
    this.#lastError = undefined;
    this.#outbox.splice(0, batch.length);
    this.#audit.splice(0, audit.length);
    batch.forEach((pending, i) => {
      clearTimeout(pending.timer);
      if (written.refused.has(pending.n)) {
        pending.reject(new DuplicateFeedbackError((pending.event as { decision_id: string }).decision_id));
        return;
      }
      this.#ownAhead.push({ n: pending.n, seq: written.seqs[i] as number });
      pending.resolve();
    });
  }

  /** Drops the one item the database refused as data: its caller (feedback) is told so, and later events go on. */
  #drop(pending: Pending | undefined, audit: AuditRecord | undefined, sqlState: string, cause: unknown): void {
    this.#isolating--;
    let what: string;
    if (pending) {
      this.#outbox.shift();
      const event = pending.event;
      what = `the ${event.type} event of decision ${JSON.stringify(event.type === "decision" ? event.record.decision_id : event.decision_id)}`;
    } else {
      this.#audit.shift();
      what = `an audit ${audit?.kind ?? "record"}`;
    }
    const error = new EventRefusedError(what, sqlState, { cause });
    this.#log(error.message);
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
  }

  /** One group commit: numbers the events under the head lock, writes them and the audit records, updates the totals. */
  async #write(tx: SqlQueryable, batch: Pending[], audit: AuditRecord[]): Promise<{ seqs: number[]; refused: Set<number> }> {
    const t = this.#t;
    const { rows } = await tx.query<{ last_seq: string; audit_seq: string; audit_hash: string }>(
      `SELECT last_seq, audit_seq, audit_hash FROM ${t}.store_head WHERE id = 1 FOR UPDATE`,
    );
    const head = rows[0] as { last_seq: string; audit_seq: string; audit_hash: string };
    let seq = Number(head.last_seq);
    const seqs: number[] = [];
    const refused = new Set<number>();
    const decisions: unknown[][] = [];
    const outcomes: unknown[][] = [];
    const settlements: unknown[][] = [];
    for (const { n, event } of batch) {
      seqs.push(++seq);
      // Every string through the reversible escape (stored-text.ts): PostgreSQL holds neither U+0000 nor lone surrogates.
      const stored = encodeJsonText(JSON.stringify(encodeEvent(event)));
      if (event.type === "decision") {
        const { record } = event;
        decisions.push([
          encodeText(record.decision_id),
          seq,
          this.origin,
          n,
          encodeText(record.state_key),
          encodeText(record.provider_id),
          record.created_at,
          stored,
        ]);
      } else if (event.type === "outcome") {
        outcomes.push([
          encodeText(event.decision_id),
          seq,
          this.origin,
          n,
          encodeText(event.provider_id),
          event.outcome.success,
          event.reward,
          event.at,
          stored,
        ]);
      } else {
        settlements.push([
          seq,
          this.origin,
          n,
          encodeText(event.decision_id),
          encodeText(event.reason),
          event.reward,
          event.at,
          stored,
        ]);
      }
    }
    const counts = { decisions: 0, outcomes: 0, settlements: 0 };
    if (decisions.length > 0) {
      const result = await tx.query(
        `INSERT INTO ${t}.decisions (decision_id, seq, origin, n, state_key, provider_id, created_at, event) VALUES ${values(decisions)} ON CONFLICT DO NOTHING RETURNING 1`,
        decisions.flat(),
      );
      counts.decisions = result.rows.length;
    }
    if (outcomes.length > 0) {
      const { rows: inserted } = await tx.query<{ n: string }>(
        `INSERT INTO ${t}.outcomes (decision_id, seq, origin, n, provider_id, success, reward, at, event) VALUES ${values(outcomes)} ON CONFLICT DO NOTHING RETURNING n`,
        outcomes.flat(),
      );
      counts.outcomes = inserted.length;
      // By the event's own number, not its decision: two outcomes of one decision in one batch (two
      // feedbacks this replica took at once) insert only the first, and the second must be refused.
      const took = new Set(inserted.map((row) => Number(row.n)));
      const missing = outcomes.filter((row) => !took.has(row[3] as number));
      if (missing.length > 0) {
        // Not inserted: either our own earlier attempt committed (a retry after a lost reply), or another replica got feedback first.
        const { rows: holders } = await tx.query<{ decision_id: string; origin: string; n: string }>(
          `SELECT decision_id, origin, n FROM ${t}.outcomes WHERE decision_id = ANY($1)`,
          [missing.map((row) => row[0])],
        );
        for (const row of missing) {
          const holder = holders.find((h) => h.decision_id === row[0]);
          if (!holder || holder.origin !== this.origin || Number(holder.n) !== row[3]) refused.add(row[3] as number);
        }
      }
      const learned = new Map<string, { state: string; provider: string; n: number; ok: number; sum: number }>();
      for (const row of outcomes) {
        if (!took.has(row[3] as number)) continue;
        const event = batch.find((p) => p.n === row[3])?.event as Extract<EngineEvent, { type: "outcome" }>;
        const state = await this.#stateKeyOf(tx, event.decision_id, batch);
        const provider = encodeText(event.provider_id);
        const key = JSON.stringify([state, provider]);
        const sums = learned.get(key) ?? { state, provider, n: 0, ok: 0, sum: 0 };
        sums.n++;
        sums.ok += event.outcome.success ? 1 : 0;
        sums.sum += event.reward;
        learned.set(key, sums);
      }
      const sums = [...learned.values()].map((s) => [s.state, s.provider, s.n, s.ok, s.sum]);
      if (sums.length > 0) {
        await tx.query(
          `INSERT INTO ${t}.learning_state AS l (state_key, provider_id, outcomes, successes, reward_sum) VALUES ${values(sums)}
           ON CONFLICT (state_key, provider_id) DO UPDATE SET outcomes = l.outcomes + excluded.outcomes,
             successes = l.successes + excluded.successes, reward_sum = l.reward_sum + excluded.reward_sum`,
          sums.flat(),
        );
      }
    }
    if (settlements.length > 0) {
      const result = await tx.query(
        `INSERT INTO ${t}.settlements (seq, origin, n, decision_id, reason, reward, at, event) VALUES ${values(settlements)} ON CONFLICT DO NOTHING RETURNING 1`,
        settlements.flat(),
      );
      counts.settlements = result.rows.length;
    }
    let auditHead = { seq: Number(head.audit_seq), hash: head.audit_hash };
    if (audit.length > 0) {
      const chain = new AuditChain(auditHead);
      const rows = audit.map((record) => {
        const linked = chain.link(record);
        return [linked.seq, linked.prev, linked.hash, encodeJsonText(JSON.stringify(linked.record))];
      });
      await tx.query(`INSERT INTO ${t}.audit_trail (seq, prev, hash, record) VALUES ${values(rows)}`, rows.flat());
      auditHead = chain.last;
    }
    await tx.query(
      `UPDATE ${t}.store_head SET last_seq = $1, decisions = decisions + $2, outcomes = outcomes + $3,
         settlements = settlements + $4, audit_seq = $5, audit_hash = $6 WHERE id = 1`,
      [seq, counts.decisions, counts.outcomes, counts.settlements, auditHead.seq, auditHead.hash],
    );
    return { seqs, refused };
  }

  /** The state key of a decision, as stored: from this batch when it is there, else from its row. */
  async #stateKeyOf(tx: SqlQueryable, decisionId: string, batch: Pending[]): Promise<string> {
    for (const { event } of batch)
      if (event.type === "decision" && event.record.decision_id === decisionId) return encodeText(event.record.state_key);
    const { rows } = await tx.query<{ state_key: string }>(`SELECT state_key FROM ${this.#t}.decisions WHERE decision_id = $1`, [
      encodeText(decisionId),
    ]);
    return rows[0]?.state_key ?? "(unknown)";
  }

  #schedulePoll(): void {
    if (this.#closed || !this.#listener) return;
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      this.#poll().finally(() => this.#schedulePoll());
    }, this.#pollMs);
    this.#pollTimer.unref();
  }

  /** Applies every event committed since `position`: others' through the listener, own ones are skipped (applied live). */
  #poll(): Promise<void> {
    this.#polling ??= (async () => {
      try {
        const before = this.#position;
        await this.#checkNotMissed();
        for (;;) {
          const rows = await this.#eventsAfter(this.#client, this.#position, 1_000);
          for (const row of rows) {
            this.#position = Number(row.seq);
            if (row.origin === this.origin) continue;
            this.#eventsSinceSnapshot++;
            this.#listener?.(decodeEvent(storedEventOf(row)));
          }
          if (rows.length < 1_000) break;
        }
        this.#ownAhead = this.#ownAhead.filter((own) => own.seq > this.#position);
        // Paused long enough for retention to stop waiting for this replica (a frozen process or
        // machine), events after `before` may have gone between the check above and the read.
        const mayBeStale = Date.now() - this.#registered.at > this.#replicaStaleMs / 2;
        // Three heartbeats per replicaStaleMs at least (with pollMs under a third of it): a live, idle replica never looks stopped.
        const heartbeat = Math.min(HEARTBEAT_MS, this.#replicaStaleMs / 3);
        if (this.#position !== this.#registered.position || Date.now() - this.#registered.at >= heartbeat) {
          await this.#register(this.#client, this.#position);
        }
        const pruned = await this.#readTotals();
        if (mayBeStale && pruned > before) this.#missedUpTo(pruned, before);
        if (this.#outbox.length === 0 && this.#audit.length === 0) this.#lastError = undefined;
      } catch (error) {
        this.#noteError(error);
      } finally {
        this.#polling = undefined;
      }
    })();
    return this.#polling;
  }

  async #eventsAfter(client: SqlQueryable, after: number, limit: number): Promise<Row[]> {
    const t = this.#t;
    const { rows } = await client.query<Row>(
      `SELECT seq, origin, n, event::text AS event FROM (
         SELECT seq, origin, n, event FROM ${t}.decisions WHERE seq > $1
         UNION ALL SELECT seq, origin, n, event FROM ${t}.outcomes WHERE seq > $1
         UNION ALL SELECT seq, origin, n, event FROM ${t}.settlements WHERE seq > $1
       ) AS events ORDER BY seq LIMIT $2`,
      [after, limit],
    );
    return rows;
  }

  /** Reads the shared totals; returns `store_head.pruned_seq`. */
  async #readTotals(): Promise<number> {
    const { rows } = await this.#client.query<{ decisions: string; outcomes: string; pruned_seq: string }>(
      `SELECT decisions, outcomes, pruned_seq FROM ${this.#t}.store_head WHERE id = 1`,
    );
    if (rows[0]) this.#totals = { decisions: Number(rows[0].decisions), outcomes: Number(rows[0].outcomes) };
    return Number(rows[0]?.pruned_seq ?? 0);
  }

  /**
   * Before a poll reads events: whether event retention has removed an event after `position`,
   * which this replica then never reads. A replica seen within `replicaStaleMs` holds retention
   * back, so this finds one that was not (stopped, frozen); the poll checks once more after reading
   * when it may have looked so meanwhile.
   */
  async #checkNotMissed(): Promise<void> {
    // Every replica checks: another one's retention may remove events.
    if (this.#missed) return;
    const { rows } = await this.#client.query<{ pruned_seq: string }>(
      `SELECT pruned_seq FROM ${this.#t}.store_head WHERE id = 1`,
    );
    const pruned = Number(rows[0]?.pruned_seq ?? 0);
    if (pruned <= this.#position) return;
    this.#missedUpTo(pruned, this.#position);
  }

  /** Marks this replica as having missed events retention removed: not ready, and no snapshot, until restarted. */
  #missedUpTo(pruned: number, position: number): void {
    if (this.#missed) return;
    this.#missed = new StoreUnavailableError(
      `this replica had read the events up to seq ${position} when event retention removed some up to seq ${pruned}: its model lacks them; restart it to load the newest snapshot`,
    );
    this.#log(this.#missed.message);
  }

  get #retentionLock(): string {
    return `aurora-retention:${this.#schema}`;
  }

  /** Records how far this replica has read (and that it is alive), so event retention leaves the rest alone. */
  async #register(client: SqlQueryable, position: number): Promise<void> {
    await client.query(
      `INSERT INTO ${this.#t}.replicas (origin, position, seen_at) VALUES ($1, $2, now())
       ON CONFLICT (origin) DO UPDATE SET position = excluded.position, seen_at = now()`,
      [this.origin, position],
    );
    this.#registered = { position, at: Date.now() };
  }

  /** The newest snapshot whose content matches its receipt; a damaged one is refused with a log line. */
  async #loadSnapshot(): Promise<
    | {
        value: unknown;
        upto_seq: number;
        origin: string;
        origin_from_n: number;
        origin_to_n: number;
        origin_unapplied: number[];
        receipt: Receipt;
      }
    | undefined
  > {
    const t = this.#t;
    const sizes = await this.#client.query<{ bytes: string | null }>(
      `SELECT sum(octet_length(content)) AS bytes FROM ${t}.snapshots`,
    );
    const { rows } = await this.#client.query<
      {
        version: number;
        content: string;
        upto_seq: string;
        origin: string;
        origin_from_n: string;
        origin_to_n: string;
        origin_unapplied: string;
        sha256: string | null;
      } & Partial<Receipt>
    >(
      `SELECT s.version, s.content, s.upto_seq, s.origin, s.origin_from_n, s.origin_to_n,
              array_to_json(s.origin_unapplied)::text AS origin_unapplied, r.sha256, r.bytes, r.prev, r.saved_at, r.hash
         FROM ${t}.snapshots s LEFT JOIN ${t}.receipts r ON r.version = s.version ORDER BY s.version DESC`,
      [],
      this.#bulk(Number(sizes.rows[0]?.bytes ?? 0)),
    );
    for (const row of rows) {
      const sha256 = sha256Hex(row.content);
      let problem: string | undefined;
      if (row.sha256 === null) problem = "has no receipt";
      else if (row.sha256 !== sha256)
        problem = `hashes to ${sha256.slice(0, 12)}…, not ${row.sha256.slice(0, 12)}… as its receipt says`;
      let value: unknown;
      if (!problem) {
        try {
          value = JSON.parse(row.content);
        } catch {
          problem = "is not valid JSON";
        }
      }
      if (problem) {
        this.#log(
          `snapshot version ${row.version} in ${this.#schema}.snapshots ${problem}: refused, trying the previous version`,
        );
        continue;
      }
      return {
        value,
        upto_seq: Number(row.upto_seq),
        origin: row.origin,
        origin_from_n: Number(row.origin_from_n),
        origin_to_n: Number(row.origin_to_n),
        origin_unapplied: (JSON.parse(row.origin_unapplied) as (number | string)[]).map(Number),
        receipt: receiptOf(row as unknown as Receipt),
      };
    }
    if (rows.length > 0)
      throw new Error(`no snapshot in ${this.#schema}.snapshots matches its receipt: restore the database from a backup`);
    return undefined;
  }

  #noteError(error: unknown): void {
    if (this.#lastError === undefined)
      this.#log(`database unreachable or failing: ${(error as Error)?.message ?? String(error)}`);
    this.#lastError = error;
  }
}

/** A stored event's JSON, its strings restored (see stored-text.ts). */
function storedEventOf(row: { event: string }): StoredEvent {
  return JSON.parse(decodeJsonText(row.event)) as StoredEvent;
}

/** The SQLSTATE of a data exception (class 22: the values themselves are refused, so a retry fails the same way), else undefined. */
function dataException(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code) ? code : undefined;
}

function values(rows: unknown[][]): string {
  let i = 0;
  return rows.map((row) => `(${row.map(() => `$${++i}`).join(", ")})`).join(", ");
}

function receiptOf(row: Receipt): Receipt {
  return {
    version: Number(row.version),
    sha256: row.sha256,
    bytes: Number(row.bytes),
    prev: row.prev,
    saved_at: row.saved_at,
    hash: row.hash,
  };
}
