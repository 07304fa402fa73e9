import type { SqlClient } from "./sql-client.js";

/**
 * A schema name the store accepts: it is written into SQL, so only plain identifiers; and not one
 * of PostgreSQL's own schemas (`information_schema`, and every name starting with `pg_`, which
 * PostgreSQL reserves: `pg_catalog`, `pg_temp`, `pg_toast`…), where the tables would be made among
 * the system's or refused with a bare "unacceptable schema name".
 */
export function assertSchemaName(schema: string): string {
  if (typeof schema !== "string" || !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new TypeError(
      `schema must be a lower-case SQL identifier such as "aurora" (letters, digits, _), got ${JSON.stringify(schema)}`,
    );
  }
  if (isSystemSchemaName(schema)) {
    throw new TypeError(
      `schema must not be one of PostgreSQL's own schemas (information_schema, or a name starting with pg_), got ${JSON.stringify(schema)}: pick another, such as "aurora"`,
    );
  }
  return schema;
}

/** `information_schema`, or a name starting with `pg_` (reserved by PostgreSQL for system schemas). */
export function isSystemSchemaName(schema: string): boolean {
  return schema === "information_schema" || schema.startsWith("pg_");
}

/**
 * The store's tables, one migration per entry, applied in order and recorded in
 * `<schema>.schema_migrations`. Never edit a released entry: add a new one.
 *
 * - `store_head`: one row, locked by every write: the last event number (so event numbers follow
 *   commit order and replicas can tail them), shared totals, and the audit chain's head.
 * - `decisions`, `outcomes`, `settlements`: the events, numbered by `seq`; an outcome's
 *   `decision_id` is unique, so two replicas can never both accept feedback for one decision.
 * - `learning_state`: per state and provider, sums and counts of outcomes, updated as
 *   `n = n + 1, reward_sum = reward_sum + r` in the same transaction: merge-safe shared totals.
 * - `snapshots`, `receipts`: model versions with their SHA-256 and the hash chain of receipts.
 * - `audit_trail`: the audit entries and anomalies of every replica, hash-chained in one order.
 * - (2) an index on `settlements.decision_id`, for `findDecision`.
 * - (3) `store_head.pruned_seq`: the newest event number event retention removed.
 * - (4) `store_head.audit_anchor_seq`, `audit_anchor_prev`: where the audit trail begins after
 *   audit retention removed its oldest records.
 * - (5) `snapshots.origin_unapplied`; `replicas`: each live replica's position, for event retention.
 * - (6) `log_claims`: which replica writes the decision-log line of a decision settled without feedback.
 */
export function migrations(schema: string): string[] {
  const s = `"${assertSchemaName(schema)}"`;
  return [
    `CREATE TABLE ${s}.store_head (
      id int PRIMARY KEY CHECK (id = 1),
      last_seq bigint NOT NULL,
      decisions bigint NOT NULL,
      outcomes bigint NOT NULL,
      settlements bigint NOT NULL,
      audit_seq bigint NOT NULL,
      audit_hash text NOT NULL
    );
    INSERT INTO ${s}.store_head VALUES (1, 0, 0, 0, 0, 0, '${"0".repeat(64)}');
    CREATE TABLE ${s}.decisions (
      decision_id text PRIMARY KEY,
      seq bigint NOT NULL UNIQUE,
      origin text NOT NULL,
      n bigint NOT NULL,
      state_key text NOT NULL,
      provider_id text NOT NULL,
      created_at bigint NOT NULL,
      event jsonb NOT NULL,
      UNIQUE (origin, n)
    );
    CREATE TABLE ${s}.outcomes (
      decision_id text PRIMARY KEY,
      seq bigint NOT NULL UNIQUE,
      origin text NOT NULL,
      n bigint NOT NULL,
      provider_id text NOT NULL,
      success boolean NOT NULL,
      reward double precision NOT NULL,
      at bigint NOT NULL,
      event jsonb NOT NULL,
      UNIQUE (origin, n)
    );
    CREATE TABLE ${s}.settlements (
      seq bigint PRIMARY KEY,
      origin text NOT NULL,
      n bigint NOT NULL,
      decision_id text NOT NULL,
      reason text NOT NULL,
      reward double precision,
      at bigint NOT NULL,
      event jsonb NOT NULL,
      UNIQUE (origin, n)
    );
    CREATE TABLE ${s}.learning_state (
      state_key text NOT NULL,
      provider_id text NOT NULL,
      outcomes bigint NOT NULL,
      successes bigint NOT NULL,
      reward_sum double precision NOT NULL,
      PRIMARY KEY (state_key, provider_id)
    );
    CREATE TABLE ${s}.snapshots (
      version int PRIMARY KEY,
      content text NOT NULL,
      upto_seq bigint NOT NULL,
      origin text NOT NULL,
      origin_from_n bigint NOT NULL,
      origin_to_n bigint NOT NULL
    );
    CREATE TABLE ${s}.receipts (
      version int PRIMARY KEY,
      sha256 text NOT NULL,
      bytes bigint NOT NULL,
      prev text NOT NULL,
      saved_at text NOT NULL,
      hash text NOT NULL
    );
    CREATE TABLE ${s}.audit_trail (
      seq bigint PRIMARY KEY,
      prev text NOT NULL,
      hash text NOT NULL,
      record jsonb NOT NULL
    );`,
    // 2: feedback for a decision a replica has not seen asks whether it was settled (findDecision).
    `CREATE INDEX settlements_decision_id ON ${s}.settlements (decision_id)`,
    // 3: event retention (eventRetentionMs) removes finished decisions' events both kept snapshots
    // cover; the newest seq removed tells a replica that had not read that far that it missed some.
    `ALTER TABLE ${s}.store_head ADD COLUMN pruned_seq bigint NOT NULL DEFAULT 0`,
    // 4: audit retention (auditRetentionMs) removes the oldest audit records; the first kept
    // record's seq and prev anchor what is left (0: nothing removed).
    `ALTER TABLE ${s}.store_head ADD COLUMN audit_anchor_seq bigint NOT NULL DEFAULT 0, ADD COLUMN audit_anchor_prev text`,
    // 5: a snapshot's own outcomes still being written at its cut (the engine learns them only once
    // written): a restart replays them though they are in the origin_from_n…origin_to_n range.
    // Replicas register how far they have read, so event retention never removes what one still
    // has to read.
    `ALTER TABLE ${s}.snapshots ADD COLUMN origin_unapplied bigint[] NOT NULL DEFAULT '{}';
    CREATE TABLE ${s}.replicas (
      origin text PRIMARY KEY,
      position bigint NOT NULL,
      seen_at timestamptz NOT NULL DEFAULT now()
    );`,
    // 6: every replica settles its own copy of a decision no feedback came for; the first to claim
    // its decision-log line here writes it (claimSettlementLines). Removed with event retention.
    `CREATE TABLE ${s}.log_claims (
      decision_id text PRIMARY KEY,
      origin text NOT NULL,
      claimed_at timestamptz NOT NULL DEFAULT now()
    )`,
  ];
}

/** Creates the schema and applies the migrations it lacks, one process at a time (advisory lock). */
export async function migrate(client: SqlClient, schema: string): Promise<number> {
  const s = `"${assertSchemaName(schema)}"`;
  const steps = migrations(schema);
  return client.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`aurora-migrate:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`);
    const done = new Set(rows.map((row) => Number(row.version)));
    let applied = 0;
    for (let i = 0; i < steps.length; i++) {
      if (done.has(i + 1)) continue;
      for (const statement of (steps[i] as string).split(/;\s*\n/).filter((part) => part.trim() !== ""))
        await tx.query(statement);
      await tx.query(`INSERT INTO ${s}.schema_migrations (version) VALUES ($1)`, [i + 1]);
      applied++;
    }
    return applied;
  });
}
