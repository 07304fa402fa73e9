import type { Pool, PoolClient } from "pg";

/** One connection's worth of SQL: what the store needs from `pg` or PGlite. */
export interface SqlQueryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** A database the store can talk to: queries, multi-statement scripts and transactions. */
export interface SqlClient extends SqlQueryable {
  /** Runs a script of several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** Releases the connections this client opened (not those it was handed). */
  end(): Promise<void>;
  /** `"postgres"` or `"pglite"`, for status and test output. */
  readonly backend: string;
}

/** A `pg` pool as a SqlClient. `owned`: end the pool on `end()`. */
export function pgClient(pool: Pool, owned: boolean): SqlClient {
  return {
    backend: "postgres",
    query: (text, params) => pool.query(text, params as unknown[]) as never,
    async exec(text) {
      await pool.query(text);
    },
    async transaction(work) {
      const client: PoolClient = await pool.connect();
      // While checked out, a connection the server terminates (restart) emits "error" on the client: keep it from crashing the process.
      const onError = (): void => {};
      client.on("error", onError);
      let broken: unknown;
      try {
        await client.query("BEGIN");
        const result = await work({ query: (text, params) => client.query(text, params as unknown[]) as never });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        broken = error;
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        // A connection that failed mid-transaction may be dead: drop it rather than reuse it.
        client.off("error", onError);
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async end() {
      if (owned) await pool.end();
    },
  };
}

/** The parts of a PGlite instance the store uses (so `@electric-sql/pglite` stays optional). */
export interface PgliteLike {
  query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(text: string): Promise<unknown>;
  transaction<T>(work: (tx: { query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }> }) => Promise<T>): Promise<T>;
  close?(): Promise<void>;
}

/** A PGlite database (PostgreSQL in WebAssembly, in this process) as a SqlClient. */
export function pgliteClient(db: PgliteLike, owned: boolean): SqlClient {
  return {
    backend: "pglite",
    query: (text, params) => db.query(text, params),
    async exec(text) {
      await db.exec(text);
    },
    transaction: (work) => db.transaction((tx) => work({ query: (text, params) => tx.query(text, params) })),
    async end() {
      if (owned) await db.close?.();
    },
  };
}
