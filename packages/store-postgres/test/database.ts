import { randomBytes } from "node:crypto";
import pg from "pg";
import { PostgresStore, type PostgresStoreOptions } from "../src/index.js";

/** The server the tests use; `DATABASE_URL` overrides it. */
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";
export const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;

async function serverReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 1_500 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Where the suite runs: the PostgreSQL server at `DATABASE_URL` when it answers, else PGlite in
 * this process (so `pnpm test` passes on a bare machine). In CI (`CI=true`) the server is required.
 */
export interface TestDatabase {
  backend: "postgres" | "pglite";
  /** A fresh schema name for one test; every schema made is dropped by `drop()`. */
  schema(): string;
  /** A store on `schema`, with quick timings for tests. */
  store(schema: string, options?: Partial<PostgresStoreOptions>): PostgresStore;
  /** Raw SQL, for tests that inspect or tamper with tables. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

export async function testDatabase(): Promise<TestDatabase> {
  const schemas: string[] = [];
  const schema = () => {
    const name = `aurora_test_${randomBytes(5).toString("hex")}`;
    schemas.push(name);
    return name;
  };
  const quick = { pollMs: 50, flushMs: 2, log: () => {} } satisfies Partial<PostgresStoreOptions>;
  if (await serverReachable()) {
    const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    return {
      backend: "postgres",
      schema,
      store: (name, options) => new PostgresStore({ connectionString: databaseUrl, schema: name, ...quick, ...options }),
      query: async (text, params) => (await admin.query(text, params)).rows,
      async drop() {
        for (const name of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
        await admin.end();
      },
    };
  }
  if (process.env.CI === "true") {
    throw new Error(
      `CI must test against the real PostgreSQL server, but ${databaseUrl} does not answer: start it (.ci/run does)`,
    );
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const db = new PGlite();
  return {
    backend: "pglite",
    schema,
    store: (name, options) => new PostgresStore({ pglite: db, schema: name, ...quick, ...options }),
    query: async (text, params) => (await db.query(text, params)).rows as never,
    async drop() {
      await db.close();
    },
  };
}
