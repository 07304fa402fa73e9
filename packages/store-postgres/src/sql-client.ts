import type { Pool, PoolClient } from "pg";

/** One connection's worth of SQL: what the store needs from `pg` or PGlite. */
export interface SqlQueryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** Per call: the longest its statements may run, in ms, instead of the client's `queryTimeoutMs` (a large snapshot's). */
export interface SqlCallOptions {
  timeoutMs?: number;
}

/** A database the store can talk to: queries, multi-statement scripts and transactions. */
export interface SqlClient extends SqlQueryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[], options?: SqlCallOptions): Promise<{ rows: R[] }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>, options?: SqlCallOptions): Promise<T>;
  /** Releases the connections this client opened (not those it was handed). */
  end(): Promise<void>;
  /** `"postgres"` or `"pglite"`, for status and test output. */
  readonly backend: string;
}

/** A query or a connection to the database took longer than the client's bound: the connection was dropped. */
export class QueryTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} took over ${timeoutMs} ms (a network partition or a stalled server): the connection was dropped; retry`);
    this.name = "QueryTimeoutError";
  }
}

/** Default for `pgClient`'s `queryTimeoutMs`. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;

/** How much longer than the server's `statement_timeout` the client waits for any answer before it drops the connection. */
const CLIENT_GRACE_MS = 1_000;

const ignore = (): void => {};

/**
 * A connection from `pool`, got within `timeoutMs`; one that arrives later goes back to the pool.
 * (A pool without `connectionTimeoutMillis` would otherwise wait on an unreachable server for as
 * long as TCP does: minutes.)
 */
async function checkout(pool: Pool, timeoutMs: number): Promise<PoolClient> {
  const connecting = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueryTimeoutError("connecting to the database", timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([connecting, late]);
  } catch (error) {
    connecting.then((client) => client.release(), ignore);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

interface Connection extends SqlQueryable {
  /** Gives the connection back; with an error, the pool closes it. Later calls do nothing. */
  release(error?: Error): void;
}

/**
 * A checked-out connection whose every query is bounded by `timeoutMs`. A query still unanswered
 * then (the server is cut off without a reset: a partition) would wait for TCP to give up, which
 * takes minutes to hours, so the connection is released with the error: `pg` destroys the socket
 * of a client released with an error while a query runs, and the pool opens a new one next time.
 */
async function connection(pool: Pool, timeoutMs: number): Promise<Connection> {
  const client = await checkout(pool, timeoutMs);
  // While checked out, a connection the server terminates (restart) emits "error": keep it from crashing the process.
  client.on("error", ignore);
  let released = false;
  const release = (error?: Error): void => {
    if (released) return;
    released = true;
    // A connection dropped with an error may still emit one as it closes; one kept goes on with the pool's listener.
    if (!error) client.off("error", ignore);
    client.release(error);
  };
  return {
    release,
    async query(text, params) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new QueryTimeoutError("a query", timeoutMs);
          release(error);
          reject(error);
        }, timeoutMs);
      });
      try {
        return (await Promise.race([client.query(text, params as unknown[]), late])) as never;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** An error the server sent (it has a SQLSTATE): the connection that carried it still works. */
function isServerError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === "string" && "severity" in error;
}

/**
 * A `pg` pool as a SqlClient. `owned`: end the pool on `end()`. `queryTimeoutMs`: the longest a
 * statement of a transaction may run on the server (`SET LOCAL statement_timeout`, so a pool you
 * own keeps its settings); any query, or getting a connection, that has no answer a second after
 * that drops its connection with a `QueryTimeoutError`.
 */
export function pgClient(pool: Pool, owned: boolean, queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS): SqlClient {
  if (!Number.isSafeInteger(queryTimeoutMs) || queryTimeoutMs < 1) {
    throw new TypeError(`queryTimeoutMs must be a whole number of milliseconds of at least 1, got ${String(queryTimeoutMs)}`);
  }
  const serverMs = (options?: SqlCallOptions): number => options?.timeoutMs ?? queryTimeoutMs;
  const query: SqlClient["query"] = async (text, params, options) => {
    const session = await connection(pool, serverMs(options) + CLIENT_GRACE_MS);
    let broken: Error | undefined;
    try {
      return await session.query(text, params);
    } catch (error) {
      // The server refusing a statement leaves the connection usable; anything else (a timeout, a reset) may not.
      if (!isServerError(error)) broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      session.release(broken);
    }
  };
  return {
    backend: "postgres",
    query,
    async exec(text) {
      await query(text);
    },
    async transaction(work, options) {
      const timeoutMs = serverMs(options);
      const session = await connection(pool, timeoutMs + CLIENT_GRACE_MS);
      let broken: Error | undefined;
      try {
        await session.query(`BEGIN; SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`);
        const result = await work({ query: (text, params) => session.query(text, params) });
        await session.query("COMMIT");
        return result;
      } catch (error) {
        broken = error instanceof Error ? error : new Error(String(error));
        await session.query("ROLLBACK").catch(ignore);
        throw error;
      } finally {
        // A connection that failed mid-transaction may be dead: drop it rather than reuse it.
        session.release(broken);
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
