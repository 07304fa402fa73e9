import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChainedAuditRecord, EngineEvent, Receipt } from "@aurora/engine";
import {
  DuplicateFeedbackError,
  FeedbackNotDurableError,
  LateFeedbackError,
  ManualClock,
  RoutingEngine,
  SnapshotDeclinedError,
  UnknownDecisionError,
  verifyAuditChain,
  verifyReceiptChain,
} from "@aurora/engine";
import { describeEngineStoreContract } from "@aurora/engine/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { databaseUrl, type TestDatabase, testDatabase } from "../test/database.js";
import { EventRefusedError, PostgresStore } from "./postgres-store.js";
import { decodeStoredValue } from "./stored-text.js";

const db: TestDatabase = await testDatabase();
// Say which database this run used: CI requires the server, a bare machine falls back to PGlite.
console.log(
  `@aurora/store-postgres tests run on ${db.backend === "postgres" ? `the PostgreSQL server (${process.env.DATABASE_URL ?? "default URL"})` : "PGlite (no server reachable)"}`,
);

const bySchema = new WeakMap<PostgresStore, string>();
describeEngineStoreContract(`PostgresStore on ${db.backend}`, {
  create: () => {
    const schema = db.schema();
    const store = db.store(schema);
    bySchema.set(store, schema);
    return store;
  },
  reopen: (previous) => {
    const schema = bySchema.get(previous as PostgresStore) as string;
    const store = db.store(schema);
    bySchema.set(store, schema);
    return store;
  },
});

afterAll(async () => {
  await db.drop();
});

const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const providers = ["akash", "ionet", "render", "vast"].map((id, i) => ({
  provider_id: id,
  price_usd_per_hour: 1 + i * 0.4,
  latency_ms: 80 + i * 20,
  reputation: 85 + i,
  gpu_types: ["a100"],
  regions: ["us-west"],
}));
const outcome = (decision_id: string, i: number) => ({
  decision_id,
  success: i % 7 !== 0,
  actual_cost_usd: 1 + (i % 5),
  actual_latency_ms: 90 + (i % 30),
});

async function replicas(schema: string, count: number, options: object = {}): Promise<RoutingEngine[]> {
  const engines: RoutingEngine[] = [];
  for (let i = 0; i < count; i++)
    engines.push(await RoutingEngine.open({ store: db.store(schema), seed: i + 1, autoSave: false, ...options }));
  return engines;
}

const until = async (check: () => boolean, what: string, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/**
 * Runs `during` while another session holds the head row every write locks (the database answers,
 * but writes wait), then lets it go.
 */
async function whileHeadLocked(schema: string, during: () => Promise<void>): Promise<void> {
  const locker = new pg.Client({ connectionString: databaseUrl });
  await locker.connect();
  await locker.query("BEGIN");
  await locker.query(`SELECT 1 FROM "${schema}".store_head WHERE id = 1 FOR UPDATE`);
  try {
    await during();
  } finally {
    await locker.query("COMMIT");
    await locker.end();
  }
}

/**
 * A pool on the server whose connections run every query through `around(sql, run)`, once per
 * connection: a test holds or slows chosen statements, as a slow network or a lock would.
 */
function poolAround(around: (sql: string, run: () => Promise<unknown>, connection: object) => Promise<unknown>): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const wrapped = new WeakSet<object>();
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
    const client = await connect();
    if (!wrapped.has(client)) {
      wrapped.add(client);
      const query = client.query.bind(client) as (text: unknown, params?: unknown) => Promise<unknown>;
      (client as unknown as { query: unknown }).query = (text: unknown, params?: unknown) =>
        around(String(text), () => query(text, params), client);
    }
    return client;
  };
  return pool;
}

/**
 * A pool whose queries matching `held` wait, once `shut()` is called, until `open()`: a step of a
 * store held at a chosen point while others go on.
 */
function gatedPool(held: (sql: string) => boolean): { pool: pg.Pool; shut(): void; open(): void } {
  let gate: Promise<void> | undefined;
  let release = () => {};
  const pool = poolAround((sql, run) => (gate && held(sql) ? gate.then(run) : run()));
  return {
    pool,
    shut() {
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    open() {
      gate = undefined;
      release();
    },
  };
}

/**
 * A TCP proxy in front of the server that can cut the network silently, as a partition does: open
 * connections stop carrying bytes (no reset) and new ones are accepted but never answered, until
 * `heal()`; connections from before the partition stay dead.
 */
async function partitionProxy(): Promise<{ url: string; partition(): void; heal(): void; close(): void }> {
  const target = new URL(databaseUrl);
  let cut = false;
  const sockets = new Set<Socket>();
  const live = new Set<{ dead: boolean }>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on("error", () => {});
    if (cut) return; // accepted, never answered
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(upstream);
    upstream.on("error", () => {});
    const pair = { dead: false };
    live.add(pair);
    client.on("data", (data) => pair.dead || upstream.write(data));
    upstream.on("data", (data) => pair.dead || client.write(data));
    const close = () => {
      live.delete(pair);
      if (pair.dead) return; // a partition sends no reset either way
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close);
    upstream.on("close", close);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: url.href,
    partition() {
      cut = true;
      for (const pair of live) pair.dead = true;
    },
    heal() {
      cut = false;
    },
    close() {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/**
 * A `pg` pool whose next read of the event stream (a replica's poll) is held, once its rows are
 * in, until `release()`: the poll is then under way while other things happen, as it is on a busy
 * server. `hit` resolves when the read has come back and is held.
 */
function heldPollPool(): { pool: pg.Pool; holdNextPoll(): { hit: Promise<void>; release(): void } } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  let held: { hit(): void; released: Promise<void> } | undefined;
  const wrapped = new WeakSet<object>();
  const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  (pool as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
    const client = await connect();
    if (wrapped.has(client)) return client;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as { query: unknown }).query = async (...args: unknown[]) => {
      const result = await query(...args);
      const hold = held;
      if (hold && typeof args[0] === "string" && args[0].includes("ORDER BY seq LIMIT")) {
        held = undefined;
        hold.hit();
        await hold.released;
      }
      return result;
    };
    return client;
  };
  return {
    pool,
    holdNextPoll() {
      let hit!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (hit = resolve));
      held = { hit, released: new Promise<void>((resolve) => (release = resolve)) };
      return { hit: reached, release };
    },
  };
}

/** The events an engine without a store emits: real decisions and outcomes to hand a store directly. */
async function engineEvents(): Promise<{ decision: Extract<EngineEvent, { type: "decision" }>; outcome: EngineEvent }> {
  const events: EngineEvent[] = [];
  const engine = new RoutingEngine({ seed: 1, autoSave: false, onEvent: (event) => events.push(event) });
  const id = engine.decide({ context, providers }).metadata.decision_id;
  await engine.feedback(outcome(id, 1));
  await engine.close();
  const decision = events.find((event) => event.type === "decision") as Extract<EngineEvent, { type: "decision" }>;
  return { decision, outcome: events.find((event) => event.type === "outcome") as EngineEvent };
}

describe(`PostgresStore on ${db.backend}`, () => {
  describe("text PostgreSQL cannot hold as it is (U+0000, lone surrogates)", () => {
    // Valid JSON and accepted by the engine; PostgreSQL's text refuses U+0000, jsonb refuses it and lone surrogates.
    const odd = ["akash\u0000eu", "akash\ud800", "akash\udc00", "vast\ufdd0d800", "ionet"];
    const oddContext = { ...context, region: "us-west\udc00" };
    const oddProviders = odd.map((id, i) => ({ ...providers[i % 4]!, provider_id: id, regions: ["us-west\udc00"] }));

    it("shares decisions and feedback holding them between replicas, and restarts with them exactly", async () => {
      const schema = db.schema();
      const [a, b] = await replicas(schema, 2);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(a!.decide({ context: oddContext, providers: oddProviders }).metadata.decision_id);
      // Feedback on the other replica: it looks each decision up by id in the database.
      for (const [i, id] of ids.entries())
        await b!.feedback({ ...outcome(id, i), success: i % 2 === 0, error_reason: `exit status 1: \u0000\ud800 ${i}` });
      await until(() => a!.getStatus().strategist.total_rewards === 12, "replica a to learn every outcome");
      // The shared totals are read with each poll: the one after the last outcome may come a poll later.
      await until(() => a!.getStatus().store?.shared_totals?.outcomes === 12, "replica a's shared totals");
      expect(a!.getStatus().store).toMatchObject({ ready: true, shared_totals: { decisions: 12, outcomes: 12 } });
      expect(b!.getStatus().store).toMatchObject({ ready: true });
      const learned = await db.query<{ provider_id: string }>(`SELECT provider_id FROM "${schema}".learning_state`);
      for (const row of learned) expect(odd).toContain(decodeStoredValue(row.provider_id));
      const outcomes = await db.query<{ event: { outcome: { error_reason: string } } }>(`SELECT event FROM "${schema}".outcomes`);
      expect(outcomes.map((row) => decodeStoredValue(row.event).outcome.error_reason).sort()).toEqual(
        ids.map((_, i) => `exit status 1: \u0000\ud800 ${i}`).sort(),
      );
      const model = b!.policy.toJSON();
      await b!.close();
      const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 2, autoSave: false });
      expect(restarted.policy.toJSON()).toEqual(model);
      expect(JSON.stringify(restarted.policy.toJSON())).toContain(JSON.stringify("akash\ud800").slice(1, -1));
      await restarted.close();
      await a!.close();
    });

    it("keeps decisions whose ids differ only in a lone surrogate apart, and finds each by its id", async () => {
      const { decision } = await engineEvents();
      const schema = db.schema();
      const store = db.store(schema, { findDecisionWaitMs: 0 });
      await store.open();
      const ids = ["d\ud800", "d\udbff", "d\u0000", "d\ufdd0"];
      const appended = ids.map((decision_id) => store.append({ ...decision, record: { ...decision.record, decision_id } }));
      await store.flush();
      await Promise.all(appended);
      for (const id of ids) expect(await store.findDecision(id)).toMatchObject({ type: "decision", record: { decision_id: id } });
      // pg would have written a lone surrogate as U+FFFD: that id was never made.
      expect(await store.findDecision("d\ufffd")).toBeUndefined();
      await store.close();
      const again = db.store(schema);
      const recovered = await again.open();
      expect([...recovered.events].map((event) => event.type === "decision" && event.record.decision_id)).toEqual(ids);
      await again.close();
    });

    it("writes an audit trail holding them that verifies once read back with decodeStoredValue", async () => {
      const schema = db.schema();
      const [a] = await replicas(schema, 1);
      for (let i = 0; i < 3; i++) a!.decide({ context: oddContext, providers: oddProviders });
      await a!.close();
      const rows = await db.query<ChainedAuditRecord>(
        `SELECT seq::float8 AS seq, prev, hash, record FROM "${schema}".audit_trail ORDER BY seq`,
      );
      expect(rows).toHaveLength(3);
      expect(verifyAuditChain(rows.map((row) => ({ ...row, record: decodeStoredValue(row.record) })))).toBeNull();
    });
  });

  describe("an event the database refuses as data (SQLSTATE class 22)", () => {
    it("is written alone, dropped with an EventRefusedError, and holds back no later event", async () => {
      const { decision, outcome: learned } = await engineEvents();
      const schema = db.schema();
      const lines: string[] = [];
      const store = db.store(schema, { appendTimeoutMs: 2_000, log: (line) => lines.push(line) });
      await store.open();
      // A bigint column given 1e30 ("1e+30"): invalid input syntax for type bigint, however often it is retried.
      const poisoned = store.append({ type: "settled", decision_id: "poisoned", reason: "expired", reward: null, at: 1e30 });
      const after = [store.append(decision), store.append(learned)];
      await expect(poisoned).rejects.toBeInstanceOf(EventRefusedError);
      await expect(poisoned).rejects.toThrow(/settled event of decision "poisoned" .*SQLSTATE 22P02/);
      await Promise.all(after);
      expect(store.status()).toMatchObject({ ready: true, last_error: null });
      const [{ n }] = (await db.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM "${schema}".decisions) + (SELECT count(*) FROM "${schema}".outcomes) + (SELECT count(*) FROM "${schema}".settlements) AS n`,
      )) as [{ n: string }];
      expect(Number(n)).toBe(2);
      expect(lines.some((line) => /refused .* as data/.test(line))).toBe(true);
      // And appends after it are written as before.
      await store.append({ ...decision, record: { ...decision.record, decision_id: "later" } });
      await store.close();
    });
  });

  it("writes a decision's line to the decision log once its feedback is acknowledged, not a second later", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-pg-decision-log-"));
    const path = join(dir, "decisions.jsonl");
    const [engine] = await replicas(db.schema(), 1, { decisionLogPath: path });
    try {
      const id = engine!.decide({ context, providers }).metadata.decision_id;
      await engine!.feedback(outcome(id, 1));
      // The writer's own interval is a second: the store's reply already had the line written.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(readFileSync(path, "utf8")).toMatch(new RegExp(`^\\{"decision_id":"${id}"`));
    } finally {
      await engine!.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("replicas on one database", () => {
    it("learn as one: the shared outcome count equals the acknowledged feedback, with nothing lost or doubled", async () => {
      const schema = db.schema();
      const engines = await replicas(schema, 3);
      const pick = (i: number) => engines[(i * 7 + 3) % 3] as RoutingEngine;
      const decided: string[] = [];
      let acknowledged = 0;
      const work: Promise<void>[] = [];
      for (let i = 0; i < 150; i++) {
        const id = pick(i).decide({ context, providers }).metadata.decision_id;
        decided.push(id);
        // Feedback goes to another replica than the one that decided, concurrently.
        work.push(
          pick(i + 1)
            .feedback(outcome(id, i))
            .then(() => {
              acknowledged++;
            }),
        );
      }
      await Promise.all(work);
      expect(acknowledged).toBe(150);
      const [{ outcomes }] = (await db.query<{ outcomes: string }>(`SELECT count(*) AS outcomes FROM "${schema}".outcomes`)) as [
        { outcomes: string },
      ];
      expect(Number(outcomes)).toBe(acknowledged);
      const [{ n }] = (await db.query<{ n: string }>(`SELECT sum(outcomes) AS n FROM "${schema}".learning_state`)) as [
        { n: string },
      ];
      expect(Number(n)).toBe(acknowledged);
      // Every replica applies every outcome exactly once: its policy has learned all of them.
      await until(
        () => engines.every((e) => e.getStatus().strategist.total_rewards === 150),
        "every replica to learn every outcome",
      );
      await until(
        () => engines.every((e) => e.getStatus().store?.shared_totals?.outcomes === 150),
        "shared totals on every replica",
        1_000,
      );
      for (const engine of engines) expect(engine.getStatus().store?.shared_totals).toEqual({ decisions: 150, outcomes: 150 });
      for (const engine of engines) await engine.close();
    });

    it("learn the providers a feedback names as failed before it on every replica, and after a restart", async () => {
      const schema = db.schema();
      const linUcb = { policy: { kind: "lin-ucb" } } as const;
      const [a, b] = await replicas(schema, 2, linUcb);
      for (let i = 0; i < 10; i++) {
        const { provider_id, metadata } = a!.decide({ context, providers });
        // On the other replica: it looks the decision up in the database, alternatives and all.
        await b!.feedback({
          ...outcome(metadata.decision_id, i),
          provider_id: metadata.alternatives[0]?.provider_id,
          failed_before: [provider_id as string],
        });
      }
      await until(() => a!.getStatus().strategist.total_rewards === 10, "replica a to learn every outcome");
      const learned = (engine: RoutingEngine) => (engine.policy.toJSON() as unknown as { model: unknown }).model;
      expect(learned(a!)).toEqual(learned(b!));
      const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 3, autoSave: false, ...linUcb });
      expect(learned(restarted)).toEqual(learned(b!));
      const stored = await db.query<{ event: { outcome: { failed_before: string[] }; failed_reward: number } }>(
        `SELECT event FROM "${schema}".outcomes`,
      );
      for (const row of stored) expect(decodeStoredValue(row.event)).toMatchObject({ failed_reward: -20 });
      await Promise.all([a!.close(), b!.close(), restarted.close()]);
    });

    it("count every replica's decisions and outcomes, live and after a restart, as the shared totals do", async () => {
      // Live, a replica counted only its own decisions (but every outcome it learned); after a
      // restart, the snapshot's counts plus every replica's events after it.
      const schema = db.schema();
      const [a, b] = await replicas(schema, 2);
      for (let i = 0; i < 30; i++) {
        const id = (i % 3 ? a : b)!.decide({ context, providers }).metadata.decision_id;
        if (i % 2 === 0) await (i % 4 ? b : a)!.feedback(outcome(id, i));
        if (i === 20) await a!.save();
      }
      const counted = (engine: RoutingEngine) => {
        const { executor, auditor } = engine.getStatus();
        return { decisions: executor.total_decisions, outcomes: executor.total_outcomes, audited: auditor.total_entries };
      };
      const all = { decisions: 30, outcomes: 15, audited: 30 };
      await until(
        () => [a!, b!].every((e) => counted(e).decisions === 30 && counted(e).outcomes === 15),
        "both replicas to apply everything",
      );
      expect(counted(a!)).toEqual(all);
      expect(counted(b!)).toEqual(all);
      await new Promise((resolve) => setTimeout(resolve, 100)); // the shared totals refresh with a poll
      expect(a!.getStatus().store?.shared_totals).toEqual({ decisions: 30, outcomes: 15 });
      await a!.close();
      const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 5, autoSave: false });
      expect(counted(restarted)).toEqual(all);
      await restarted.close();
      await b!.close();
    });

    describe("with a decision log each", () => {
      const linesOf = (path: string): { decision_id: string; resolution: string; candidates: { provider_id: string }[] }[] =>
        readFileSync(path, "utf8")
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line));
      const ids = providers.map((p) => p.provider_id);

      it("log each decision once: by the replica that took its feedback, or, settled without one, by the first to claim its line", async () => {
        const schema = db.schema();
        const dir = mkdtempSync(join(tmpdir(), "aurora-pg-replica-logs-"));
        const paths = [0, 1, 2].map((i) => join(dir, `replica-${i}.jsonl`));
        const clock = new ManualClock(Date.now());
        const stores = paths.map(() => db.store(schema));
        const engines: RoutingEngine[] = [];
        for (const [i, store] of stores.entries()) {
          engines.push(
            await RoutingEngine.open({
              store,
              seed: i + 1,
              autoSave: false,
              clock,
              rewardWaitMs: 60_000,
              decisionLogPath: paths[i],
            }),
          );
        }
        try {
          const maker = new Map<string, number>();
          const taker = new Map<string, number>();
          const fed: Promise<number>[] = [];
          const feed = (id: string, i: number, by: number) => {
            taker.set(id, by);
            fed.push((engines[by] as RoutingEngine).feedback(outcome(id, i)));
          };
          const made: string[] = [];
          for (let i = 0; i < 60; i++) {
            const id = (engines[i % 3] as RoutingEngine).decide({ context, providers }).metadata.decision_id;
            maker.set(id, i % 3);
            made.push(id);
            // At once, to another replica: before the stream brought the decision there (it asks the database).
            if (Math.floor(i / 3) % 3 === 0) feed(id, i, (i + 1 + (i % 2)) % 3);
          }
          await until(
            () => engines.every((e) => e.getStatus().executor.total_decisions === 60),
            "every replica to see every decision",
          );
          // Then through the stream: each replica knows the decision already.
          for (const [i, id] of made.entries()) if (Math.floor(i / 3) % 3 === 1) feed(id, i, (i + 1 + (i % 2)) % 3);
          await Promise.all(fed);
          const answered = taker.size;
          await until(
            () => engines.every((e) => e.getStatus().strategist.total_rewards === answered),
            "every replica to learn every outcome",
          );
          // The others run out of time: every replica settles its own copy of each.
          clock.advance(61_000 + (stores[0] as PostgresStore).settleGraceMs);
          for (const engine of engines) engine.getStatus();
          // Closing waits for the settlements' writes, and writes their lines.
          for (const engine of engines) await engine.close();
          const stats = engines.map((e) => e.decisionLog?.stats());
          expect(stats.map((s) => [s?.pending, s?.queued])).toEqual([
            [0, 0],
            [0, 0],
            [0, 0],
          ]);

          const logged = paths.map(linesOf);
          const all = logged.flat();
          expect(all.map((line) => line.decision_id).sort()).toEqual([...made].sort());
          for (const [replica, lines] of logged.entries()) {
            for (const line of lines) {
              expect(line.candidates.map((c) => c.provider_id)).toEqual(ids);
              const by = taker.get(line.decision_id);
              if (by !== undefined) expect([line.resolution, replica]).toEqual(["feedback", by]);
              else expect(line.resolution).toBe("expired"); // by whichever replica claimed its line first
            }
          }
          expect(stats.map((s) => s?.unmatched)).toEqual([0, 0, 0]);
          expect(stats.reduce((sum, s) => sum + (s?.written ?? 0), 0)).toBe(60);
          // The decisions another replica took feedback for, and those it settled whose line another claimed.
          for (const [replica, s] of stats.entries()) {
            const fedElsewhere = made.filter((id) => taker.has(id) && taker.get(id) !== replica).length;
            const settledHere = (logged[replica] ?? []).filter((line) => line.resolution === "expired").length;
            expect(s?.elsewhere).toBe(fedElsewhere + (made.length - taker.size - settledHere));
            expect(s?.unclaimed).toBe(0);
          }
        } finally {
          for (const engine of engines) await engine.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });

      /** Replicas on a new schema, each with a log in a new folder; `dispose` closes them and removes the folder. */
      async function logged(count: number, options: (i: number) => object = () => ({})) {
        const schema = db.schema();
        const dir = mkdtempSync(join(tmpdir(), "aurora-pg-replica-logs-"));
        const paths = Array.from({ length: count }, (_, i) => join(dir, `replica-${i}.jsonl`));
        const engines: RoutingEngine[] = [];
        for (const [i, path] of paths.entries()) {
          const { store, ...rest } = { store: {}, ...options(i) } as { store: object };
          engines.push(
            await RoutingEngine.open({
              store: db.store(schema, store),
              seed: i + 1,
              autoSave: false,
              decisionLogPath: path,
              ...rest,
            }),
          );
        }
        return {
          schema,
          engines,
          lines: () => paths.map(linesOf),
          async close() {
            for (const engine of engines) await engine.close();
          },
          async dispose() {
            for (const engine of engines) await engine.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }

      it("log the decisions a replica evicts when one poll brings many of another's, none forgotten", async () => {
        // Restoring several decisions in a row evicted as many here, and the log heard of the new
        // ones before the evicted ones' settlements: it forgot those (2 of 3, in no log).
        const replicas = await logged(2, () => ({ maxPending: 3 }));
        const [a, b] = replicas.engines as [RoutingEngine, RoutingEngine];
        try {
          const mine = [0, 1, 2].map(() => a.decide({ context, providers }).metadata.decision_id);
          await until(() => b.getStatus().executor.total_decisions === 3, "b to see a's decisions");
          for (let i = 0; i < 3; i++) b.decide({ context, providers });
          await until(() => a.getStatus().executor.total_decisions === 6, "a to see b's decisions");
          await replicas.close();
          const stats = a.decisionLog?.stats();
          expect(stats).toMatchObject({ forgotten: 0, unmatched: 0 });
          // Each replica evicted them; the line is in the log of the one that claimed it first.
          const lines = replicas.lines().flat();
          expect(lines.map((line) => [line.decision_id, line.resolution]).sort()).toEqual(
            mine.map((id) => [id, "evicted"]).sort(),
          );
        } finally {
          await replicas.dispose();
        }
      });

      it("log feedback whose decision the taking replica evicted while the outcome was written, once", async () => {
        // The store kept the outcome (every other replica learns it), but the replica that took it
        // had settled its copy meanwhile and logged nothing: an acknowledged feedback in no log.
        const replicas = await logged(2, (i) => ({ maxPending: i === 0 ? 10 : 3 }));
        const [a, b] = replicas.engines as [RoutingEngine, RoutingEngine];
        try {
          const id = a.decide({ context, providers }).metadata.decision_id;
          await until(() => b.getStatus().executor.total_decisions === 1, "b to see a's decision");
          const fed = b.feedback(outcome(id, 1));
          for (let i = 0; i < 3; i++) b.decide({ context, providers });
          expect(b.getStatus().executor.settled_evicted).toBe(1);
          await fed;
          await until(() => a.getStatus().strategist.total_rewards === 1, "a to learn b's outcome");
          await replicas.close();
          const [linesA, linesB] = replicas.lines() as [ReturnType<typeof linesOf>, ReturnType<typeof linesOf>];
          expect(linesA.filter((line) => line.decision_id === id)).toEqual([]);
          expect(linesB.filter((line) => line.decision_id === id).map((line) => line.resolution)).toEqual(["feedback"]);
          expect(b.decisionLog?.stats()).toMatchObject({ unmatched: 0, elsewhere: 0 });
        } finally {
          await replicas.dispose();
        }
      });

      it.runIf(db.backend === "postgres")(
        "log feedback answered 503 once the database has it, and not the copy it refused",
        async () => {
          // Both replicas' writes waited on a held lock and were answered 503 (not durable). Both were
          // logged; then one landed and the other was refused as a duplicate: two lines.
          const replicas = await logged(3, () => ({ store: { appendTimeoutMs: 300 } }));
          const [a, b, c] = replicas.engines as [RoutingEngine, RoutingEngine, RoutingEngine];
          try {
            const id = a.decide({ context, providers }).metadata.decision_id;
            await until(
              () => b.getStatus().executor.total_decisions === 1 && c.getStatus().executor.total_decisions === 1,
              "b and c to see it",
            );
            await whileHeadLocked(replicas.schema, async () => {
              await expect(b.feedback(outcome(id, 1))).rejects.toBeInstanceOf(FeedbackNotDurableError);
              await expect(c.feedback(outcome(id, 2))).rejects.toBeInstanceOf(FeedbackNotDurableError);
              expect(b.getStatus().decision_log?.written).toBe(0);
            });
            await until(
              () => (b.decisionLog?.stats().written ?? 0) + (b.decisionLog?.stats().queued ?? 0) === 1,
              "b's write to land, and its line",
            );
            await until(() => c.decisionLog?.stats().unconfirmed === 1, "c's write to be refused");
            await replicas.close();
            const all = replicas
              .lines()
              .flat()
              .filter((line) => line.decision_id === id);
            expect(all.map((line) => line.resolution)).toEqual(["feedback"]);
            expect(replicas.lines()[1]).toHaveLength(1);
          } finally {
            await replicas.dispose();
          }
        },
      );

      it.runIf(db.backend === "postgres")(
        "log feedback answered 503 whose decision was evicted meanwhile with its outcome, once the database has it",
        async () => {
          // The decision was evicted here while the stalled database was asked: its settlement was
          // logged, though the database kept the outcome (which every other replica learns).
          const replicas = await logged(2, (i) => ({ maxPending: i === 0 ? 10 : 1, store: { appendTimeoutMs: 300 } }));
          const [a, b] = replicas.engines as [RoutingEngine, RoutingEngine];
          try {
            const id = a.decide({ context, providers }).metadata.decision_id;
            await until(() => b.getStatus().executor.total_decisions === 1, "b to see it");
            await whileHeadLocked(replicas.schema, async () => {
              const fed = b.feedback(outcome(id, 1));
              b.decide({ context, providers }); // evicts it (maxPending 1)
              expect(b.getStatus().executor.settled_evicted).toBe(1);
              await expect(fed).rejects.toBeInstanceOf(FeedbackNotDurableError);
            });
            await until(() => a.getStatus().strategist.total_rewards === 1, "the outcome to be written and reach a");
            await replicas.close();
            const lines = replicas
              .lines()
              .flat()
              .filter((line) => line.decision_id === id);
            expect(lines.map((line) => line.resolution)).toEqual(["feedback"]);
            expect(replicas.lines()[1]?.map((line) => line.decision_id)).toContain(id);
          } finally {
            await replicas.dispose();
          }
        },
      );

      /** Replicas on a new schema with a one-second reward wait on a manual clock, each with a log named after it in a new folder. */
      function shortWaitLogs(names: string[]) {
        const schema = db.schema();
        const dir = mkdtempSync(join(tmpdir(), "aurora-pg-unclaimed-"));
        const paths = names.map((name) => join(dir, `${name}.jsonl`));
        const clock = new ManualClock(Date.now());
        const open = (seed: number, path: string) =>
          RoutingEngine.open({
            store: db.store(schema),
            seed,
            autoSave: false,
            clock,
            rewardWaitMs: 1_000,
            decisionLogPath: path,
          });
        return { dir, paths, clock, open };
      }

      it("log a decision pending at its maker's restart once, by the first replica to settle it, its maker gone", async () => {
        // Before, the maker's settlement line was lost with the maker: every replica settled its
        // copy of the decision, but none knew it fell to them (counted unclaimed, in no log).
        const { dir, paths, clock, open } = shortWaitLogs(["a", "b", "c"]);
        const a = await open(1, paths[0] as string);
        const b = await open(2, paths[1] as string);
        const id = a.decide({ context, providers }).metadata.decision_id;
        await until(() => b.getStatus().executor.total_decisions === 1, "b to see it");
        await a.close(); // the maker goes, with the decision pending
        const c = await open(3, paths[2] as string); // a restart: it hands the decision back, its maker unknown
        try {
          clock.advance(60_000); // past the wait and the store's grace: b and c each settle their copy
          b.getStatus();
          c.getStatus();
          await b.close();
          await c.close();
          const lines = paths.map(linesOf);
          expect(lines.flat().map((line) => [line.decision_id, line.resolution])).toEqual([[id, "expired"]]);
          const stats = [b, c].map((e) => e.decisionLog?.stats());
          expect(stats.map((st) => st?.written)).toEqual(lines.slice(1).map((l) => l.length));
          expect(stats.map((st) => (st?.elsewhere ?? 0) + (st?.unclaimed ?? 0) + (st?.written ?? 0))).toEqual([1, 1]);
          expect(stats.map((st) => st?.unclaimed)).toEqual([0, 0]);
        } finally {
          await b.close();
          await c.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it("log a decision a restarted replica handed back once, while its maker runs too", async () => {
        const { dir, paths, clock, open } = shortWaitLogs(["a", "c"]);
        const a = await open(1, paths[0] as string);
        const id = a.decide({ context, providers }).metadata.decision_id;
        await a.save(); // written, so that the restart below hands it back
        const c = await open(3, paths[1] as string); // a restart elsewhere while the maker runs: handed back, its maker unknown
        try {
          expect(c.getStatus().executor.pending_feedback).toBe(1);
          clock.advance(60_000);
          a.getStatus();
          c.getStatus();
          await c.close();
          await a.close();
          expect(paths.flatMap(linesOf).map((line) => line.decision_id)).toEqual([id]);
          const stats = [a, c].map((e) => e.decisionLog?.stats());
          expect(stats.map((st) => (st?.written ?? 0) + (st?.elsewhere ?? 0))).toEqual([1, 1]);
          expect(stats.map((st) => st?.unclaimed)).toEqual([0, 0]);
        } finally {
          await a.close();
          await c.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it("keep one copy of a candidate list another replica sends again and again, in memory and in the snapshot", async () => {
        // Each of another replica's decisions held its own copy: 500 decisions over one list of four
        // made the snapshot's pending_candidates 260 KB on the replica that had not made them.
        const replicas = await logged(2);
        const [a, b] = replicas.engines as [RoutingEngine, RoutingEngine];
        try {
          for (let i = 0; i < 200; i++) a.decide({ context, providers });
          await until(() => b.getStatus().executor.total_decisions === 200, "b to see a's decisions");
          await b.save();
          const [row] = (await db.query<{ content: string }>(
            `SELECT content FROM "${replicas.schema}".snapshots ORDER BY version DESC LIMIT 1`,
          )) as [{ content: string }];
          const part = JSON.parse(row.content).pending_candidates as { providers: unknown[]; lists: unknown[] };
          expect(part.providers).toHaveLength(providers.length);
          expect(part.lists).toHaveLength(1);
        } finally {
          await replicas.dispose();
        }
      });

      it("log the decisions pending at a replica's restart when their feedback comes, to it or to another replica", async () => {
        const schema = db.schema();
        const dir = mkdtempSync(join(tmpdir(), "aurora-pg-restart-log-"));
        const [pathA, pathB] = [join(dir, "a.jsonl"), join(dir, "b.jsonl")];
        const open = (path: string, seed: number) =>
          RoutingEngine.open({ store: db.store(schema), seed, autoSave: false, decisionLogPath: path });
        const a = await open(pathA, 1);
        const b = await open(pathB, 2);
        let restarted: RoutingEngine | undefined;
        try {
          const made: string[] = [];
          for (let i = 0; i < 6; i++) {
            made.push(a.decide({ context, providers }).metadata.decision_id);
            // The first three are in the snapshot (its pending_candidates), the rest only in the events after it.
            if (i === 2) await a.save();
          }
          await until(() => b.getStatus().executor.total_decisions === 6, "b to see a's decisions");
          await a.close();
          restarted = await open(pathA, 3);
          expect(restarted.getStatus().decision_log?.pending).toBe(6);
          for (const [i, id] of made.entries()) await (i % 2 === 0 ? restarted : b).feedback(outcome(id, i + 1));
          await until(() => restarted?.getStatus().strategist.total_rewards === 6, "the restarted replica to learn b's outcomes");
          await restarted.close();
          await b.close();
          const [linesA, linesB] = [linesOf(pathA), linesOf(pathB)];
          expect(linesA.map((line) => line.decision_id)).toEqual(made.filter((_, i) => i % 2 === 0));
          expect(linesB.map((line) => line.decision_id)).toEqual(made.filter((_, i) => i % 2 === 1));
          for (const line of [...linesA, ...linesB]) {
            expect(line.resolution).toBe("feedback");
            expect(line.candidates.map((c) => c.provider_id)).toEqual(ids);
          }
        } finally {
          await a.close();
          await b.close();
          await restarted?.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });

    it("accepts one feedback per decision across replicas: the second replica's is refused as a duplicate", async () => {
      const schema = db.schema();
      const [a, b] = await replicas(schema, 2);
      const { metadata } = a!.decide({ context, providers });
      await a!.feedback(outcome(metadata.decision_id, 1));
      await until(() => b!.getStatus().strategist.total_rewards === 1, "replica b to learn the outcome");
      await expect(b!.feedback(outcome(metadata.decision_id, 1))).rejects.toThrow();
      const [{ outcomes }] = (await db.query<{ outcomes: string }>(`SELECT count(*) AS outcomes FROM "${schema}".outcomes`)) as [
        { outcomes: string },
      ];
      expect(Number(outcomes)).toBe(1);
      await a!.close();
      await b!.close();
    });

    it("refuses feedback for a decision another replica finished when it reaches one that never saw it, learning the kept outcome", async () => {
      // b never tails (a poll an hour away): each feedback reaches it for a decision it has not
      // seen, and it asks the database. It found the decision row, made it pending again and learned
      // the feedback, though another replica had taken feedback for it (then answered 409) or it
      // had been settled (then answered 200 and learned it twice over, database-wide).
      const schema = db.schema();
      const clock = new ManualClock(Date.now());
      const options = { clock, rewardWaitMs: 60_000, defaultReward: -1 };
      const storeA = db.store(schema);
      const a = await RoutingEngine.open({ store: storeA, seed: 1, autoSave: false, ...options });
      // Past the wait and the grace both replicas leave before settling their copies (b's own,
      // from its hour-long poll, would be over two hours).
      const waitOut = 61_000 + storeA.settleGraceMs;
      const b = await RoutingEngine.open({
        store: db.store(schema, { pollMs: 3_600_000, settleGraceMs: storeA.settleGraceMs }),
        seed: 2,
        autoSave: false,
        ...options,
      });
      const req = {
        stateKey: "llm_inference:a100:us-west",
        context,
        candidates: providers.map((p) => ({ ...p, capacity_available: null })),
      };
      const answered = a.decide({ context, providers }).metadata.decision_id;
      await a.feedback(outcome(answered, 1));
      const learnedByA = a.policy.estimate(req as never);
      const settled = a.decide({ context, providers }).metadata.decision_id;
      clock.advance(waitOut);
      a.getStatus(); // settles `settled` with the default reward
      const forgotten = a.decide({ context, providers }).metadata.decision_id;
      const written = async () =>
        (await db.query(`SELECT 1 FROM "${schema}".decisions`)).length === 3 &&
        (await db.query(`SELECT 1 FROM "${schema}".settlements`)).length === 1;
      for (let tries = 0; !(await written()); tries++) {
        if (tries > 250) throw new Error("a's decisions and settlement were not written");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await expect(b.feedback(outcome(answered, 2))).rejects.toBeInstanceOf(DuplicateFeedbackError);
      // b learned a's outcome for it, as a's stream would have brought it, and not its own.
      expect(b.getStatus().strategist.total_rewards).toBe(1);
      expect(b.policy.estimate(req as never)).toEqual(learnedByA);
      await expect(b.feedback(outcome(settled, 2))).rejects.toBeInstanceOf(LateFeedbackError);
      expect(b.getStatus().strategist.total_rewards).toBe(1);
      // Made by a, whose wait then ran out with a gone (nobody settled it): late here as well, once
      // b settled it (its default reward learned).
      clock.advance(waitOut);
      await expect(b.feedback(outcome(forgotten, 2))).rejects.toBeInstanceOf(LateFeedbackError);
      expect(b.getStatus().strategist.total_rewards).toBe(2);
      expect(b.getStatus().settlement.settled_with_default).toBe(1);
      await a.close();
      await b.close();
    });

    it("learns, on every replica, the one feedback the database kept, never the one it refused", async () => {
      // Each of two replicas holding the decision pending takes a different outcome for it at once.
      // The database keeps one; the replica it refused had learned its own and never learned the
      // kept one (its copy was no longer pending when the other's outcome reached it).
      const schema = db.schema();
      const [a, b] = await replicas(schema, 2);
      const request = { context, providers };
      for (let round = 0; round < 6; round++) {
        const id = a!.decide(request).metadata.decision_id;
        await until(() => b!.getStatus().executor.pending_feedback === 1, "replica b to read the decision");
        const results = await Promise.allSettled([
          a!.feedback({ ...outcome(id, 1), success: true }),
          b!.feedback({ ...outcome(id, 2), success: false }),
        ]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toBeInstanceOf(
          DuplicateFeedbackError,
        );
        const learned = round + 1;
        await until(
          () => a!.getStatus().strategist.total_rewards === learned && b!.getStatus().strategist.total_rewards === learned,
          "both replicas to learn the kept outcome",
        );
        await until(
          () => b!.getStatus().executor.pending_feedback === 0 && a!.getStatus().executor.pending_feedback === 0,
          "none pending",
        );
      }
      const req = {
        stateKey: "llm_inference:a100:us-west",
        context,
        candidates: providers.map((p) => ({ ...p, capacity_available: null })),
      };
      expect(b!.policy.estimate(req as never)).toEqual(a!.policy.estimate(req as never));
      await a!.close();
      await b!.close();
    });

    it("finds a decision's settlement by an index, not by reading every settlement", async () => {
      const schema = db.schema();
      const [a] = await replicas(schema, 1);
      const indexes = await db.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = '${schema}' AND tablename = 'settlements'`,
      );
      expect(indexes.map((row) => row.indexname)).toContain("settlements_decision_id");
      const versions = await db.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
      expect(versions.map((row) => Number(row.version))).toEqual([1, 2, 3, 4, 5, 6]);
      await a!.close();
    });

    it("refuses, as a duplicate, feedback that two replicas receive at the same moment", async () => {
      const schema = db.schema();
      const [a, b] = await replicas(schema, 2);
      const { metadata } = a!.decide({ context, providers });
      await a!.feedback(outcome(metadata.decision_id, 3)).catch(() => {});
      const id = a!.decide({ context, providers }).metadata.decision_id;
      await (a!.getStatus().store && new Promise((resolve) => setTimeout(resolve, 150)));
      const results = await Promise.allSettled([a!.feedback(outcome(id, 1)), b!.feedback(outcome(id, 2))]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(DuplicateFeedbackError);
      await a!.close();
      await b!.close();
    });

    it("refuses, as duplicates, feedbacks for one decision that one replica receives at the same moment", async () => {
      // They reach the database in one group commit: it keeps the first, and the others are refused
      // (each was answered 200, learned once, and the shared totals counted every one).
      const schema = db.schema();
      const [a] = await replicas(schema, 1);
      for (let round = 0; round < 3; round++) {
        const id = a!.decide({ context, providers }).metadata.decision_id;
        const results = await Promise.allSettled([1, 2, 3, 4].map((i) => a!.feedback(outcome(id, i))));
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const r of results.filter((r) => r.status === "rejected")) {
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateFeedbackError);
        }
      }
      expect(a!.getStatus().strategist.total_rewards).toBe(3);
      expect(a!.getStatus().executor.duplicate_feedback).toBe(9);
      const [learned] = await db.query<{ outcomes: string }>(`SELECT sum(outcomes) AS outcomes FROM "${schema}".learning_state`);
      expect(Number(learned?.outcomes)).toBe(3);
      await until(() => a!.getStatus().store?.shared_totals?.outcomes === 3, "the shared totals to count the 3 outcomes kept");
      await a!.close();
    });

    it("refuses a retried feedback after a restart from a background snapshot, learning nothing again", async () => {
      // A background snapshot holds no memory of finished ids: the restarted replica took the retry
      // for a decision it had never seen, looked it up, applied the decision and the stored outcome
      // a second time, and only then answered 409.
      const schema = db.schema();
      const a = await RoutingEngine.open({ store: db.store(schema, { snapshotEvery: 1 }), seed: 1, saveEvery: 1 });
      const id = a.decide({ context, providers }).metadata.decision_id;
      await a.feedback(outcome(id, 1));
      a.decide({ context, providers }); // a background snapshot is due: the finished id is not in it
      await until(() => a.getStatus().store?.snapshot_version === 1, "a's background snapshot");
      const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 2, autoSave: false });
      const model = restarted.policy.toJSON();
      const before = restarted.getStatus();
      expect(before.strategist.total_rewards).toBe(1);
      await expect(restarted.feedback(outcome(id, 1))).rejects.toBeInstanceOf(DuplicateFeedbackError);
      expect(restarted.policy.toJSON()).toEqual(model);
      const after = restarted.getStatus();
      expect(after.executor).toEqual({ ...before.executor, duplicate_feedback: 1 });
      await restarted.close();
      await a.close();
    });

    it("calls feedback for a decision no replica wrote unknown", async () => {
      const [a] = await replicas(db.schema(), 1, {});
      await expect(a!.feedback(outcome("never-made", 1))).rejects.toBeInstanceOf(UnknownDecisionError);
      await a!.close();
    });

    it.runIf(db.backend === "postgres")(
      "refuses feedback with typed errors while the database cannot be reached: a duplicate as a duplicate, the rest as not durable",
      async () => {
        // A real TCP proxy in front of the server, cut mid-test: the database goes away under the engine.
        const sockets = new Set<Socket>();
        const proxy = createServer((client) => {
          const upstream = connect(Number(new URL(databaseUrl).port || 5432), new URL(databaseUrl).hostname);
          sockets.add(client).add(upstream);
          client.pipe(upstream).pipe(client);
          const drop = () => {
            client.destroy();
            upstream.destroy();
          };
          client.on("error", drop).on("close", drop);
          upstream.on("error", drop).on("close", drop);
        });
        proxy.listen(0, "127.0.0.1");
        await once(proxy, "listening");
        const url = new URL(databaseUrl);
        url.host = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
        const store = db.store(db.schema(), { connectionString: url.href, appendTimeoutMs: 1_000, findDecisionWaitMs: 0 });
        const engine = await RoutingEngine.open({ store, seed: 1, autoSave: false });
        const acknowledged = engine.decide({ context, providers }).metadata.decision_id;
        await engine.feedback(outcome(acknowledged, 1));

        proxy.close();
        for (const socket of sockets) socket.destroy();
        await expect(engine.feedback(outcome(acknowledged, 1))).rejects.toBeInstanceOf(DuplicateFeedbackError);
        const unknown = engine.feedback(outcome("made-by-a-replica-perhaps", 1));
        await expect(unknown).rejects.toBeInstanceOf(FeedbackNotDurableError);
        await expect(unknown).rejects.toThrow(/made-by-a-replica-perhaps/);
        await engine.close().catch(() => {});
      },
    );

    it.runIf(db.backend === "postgres")(
      "reports not ready while the database is reachable but does not take a write in time, and ready once it does",
      async () => {
        const schema = db.schema();
        const store = db.store(schema, { appendTimeoutMs: 300 });
        const engine = await RoutingEngine.open({ store, seed: 1, autoSave: false });
        const first = engine.decide({ context, providers }).metadata.decision_id;
        await engine.feedback(outcome(first, 1));
        await whileHeadLocked(schema, async () => {
          const second = engine.decide({ context, providers }).metadata.decision_id;
          await expect(engine.feedback(outcome(second, 2))).rejects.toBeInstanceOf(FeedbackNotDurableError);
          expect(engine.getStatus().store).toMatchObject({ ready: false });
          expect(engine.getStatus().store?.last_error).toMatch(/did not take this outcome within 300 ms/);
        });
        await until(() => engine.getStatus().store?.ready === true, "the queued write to land");
        await engine.close();
      },
    );

    it("restarts a replica from the shared snapshot and the events after it, with every decision and outcome", async () => {
      const schema = db.schema();
      const [a, b] = await replicas(schema, 2);
      for (let i = 0; i < 40; i++) {
        const id = (i % 2 ? a : b)!.decide({ context, providers }).metadata.decision_id;
        if (i < 30) await (i % 3 ? a : b)!.feedback(outcome(id, i));
      }
      await a!.save();
      for (let i = 0; i < 10; i++) {
        const id = b!.decide({ context, providers }).metadata.decision_id;
        await a!.feedback(outcome(id, i));
      }
      await until(() => a!.getStatus().strategist.total_rewards === 40, "replica a to learn every outcome");
      await (a!.getStatus().store && new Promise((resolve) => setTimeout(resolve, 100)));
      const model = a!.policy.toJSON() as { q_table: unknown; total_rewards: number; decision_count: number };
      await a!.close();
      const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false });
      const again = restarted.policy.toJSON() as typeof model;
      expect(again.total_rewards).toBe(40);
      expect(again.decision_count).toBe(model.decision_count);
      expect(restarted.getStatus().executor.pending_feedback).toBe(10);
      await restarted.close();
      await b!.close();
    });
  });

  describe("a snapshot taken while a poll is under way", () => {
    it.skipIf(db.backend !== "postgres")(
      "covers a decision fed back here before the stream brought it: a replica started from it has no phantom pending decision",
      async () => {
        // a's poll reads the stream, then b writes a decision and a takes its feedback, asking the
        // database for it; a's next background snapshot waited for that same poll, so its cut was
        // short of the decision its model held. A replica started from it replayed the decision as
        // pending (to be settled at its wait's end: learned twice), and a snapshot that also kept the
        // finished ids made every restart fail (ValidationError: reused id).
        const schema = db.schema();
        const held = heldPollPool();
        const store = new PostgresStore({ pool: held.pool, schema, pollMs: 20, flushMs: 2, snapshotEvery: 1, log: () => {} });
        const a = await RoutingEngine.open({ store, seed: 1, saveEvery: 1 });
        const [b] = await replicas(schema, 1);
        const poll = held.holdNextPoll();
        await poll.hit;
        const fedBack = b!.decide({ context, providers }).metadata.decision_id;
        await a.feedback(outcome(fedBack, 1));
        a.decide({ context, providers }); // its own, still pending; a background snapshot is due
        await new Promise((resolve) => setTimeout(resolve, 50));
        poll.release();
        await until(() => a.getStatus().store?.snapshot_version === 1, "a's background snapshot");
        const started = await RoutingEngine.open({ store: db.store(schema), seed: 3, autoSave: false });
        expect(started.getStatus().executor.pending_feedback).toBe(1);
        expect(started.getStatus().strategist.total_rewards).toBe(1);
        await started.close();
        await a.close();
        await b!.close();
        await held.pool.end();
      },
    );
  });

  describe("feedback acknowledged at the end of a decision's wait", () => {
    it.skipIf(db.backend !== "postgres")(
      "reaches the replica that made the decision before it settles its copy, which learns it, not its default reward",
      async () => {
        // b acknowledged feedback a moment before the wait ran out; a's stream had not brought it
        // yet when a settled its own copy, and a kept its settlement (the default reward learned).
        const schema = db.schema();
        const clock = new ManualClock(Date.now());
        const options = { clock, rewardWaitMs: 60_000, defaultReward: -1, autoSave: false };
        const held = heldPollPool();
        const store = new PostgresStore({ pool: held.pool, schema, pollMs: 20, flushMs: 2, log: () => {} });
        const a = await RoutingEngine.open({ store, seed: 1, ...options });
        const b = await RoutingEngine.open({ store: db.store(schema), seed: 2, ...options });
        const id = a.decide({ context, providers }).metadata.decision_id;
        clock.advance(59_999);
        const poll = held.holdNextPoll();
        await poll.hit;
        await expect(b.feedback(outcome(id, 1))).resolves.toBeTypeOf("number");
        clock.advance(2);
        expect(a.getStatus().settlement.settled_with_default).toBe(0);
        // Past the wait, feedback is late everywhere, though a's copy waits for the stream.
        await expect(a.feedback(outcome(id, 2))).rejects.toBeInstanceOf(LateFeedbackError);
        poll.release();
        await until(() => a.getStatus().executor.pending_feedback === 0, "a to learn b's outcome");
        // a's record of its decision shows the outcome b took (it stayed empty).
        expect(a.getDecision(id)?.outcome).toMatchObject({ decision_id: id, success: true, reward: expect.any(Number) });
        clock.advance(store.settleGraceMs);
        expect(a.getStatus().settlement.settled_with_default).toBe(0);
        const req = {
          stateKey: "llm_inference:a100:us-west",
          context,
          candidates: providers.map((p) => ({ ...p, capacity_available: null })),
        };
        expect(a.policy.estimate(req as never)).toEqual(b.policy.estimate(req as never));
        await a.close();
        await b.close();
        await held.pool.end();
      },
    );

    it.skipIf(db.backend !== "postgres")(
      "settles a decision nobody fed back once the wait and the store's grace have passed",
      async () => {
        const schema = db.schema();
        const clock = new ManualClock(Date.now());
        const store = db.store(schema);
        const a = await RoutingEngine.open({ store, seed: 1, clock, rewardWaitMs: 60_000, autoSave: false });
        expect(store.settleGraceMs).toBe(5_000 + 2 * 50 + 1_000);
        a.decide({ context, providers });
        clock.advance(60_000 + store.settleGraceMs - 1);
        expect(a.getStatus().executor.pending_feedback).toBe(1);
        clock.advance(1);
        expect(a.getStatus().executor).toMatchObject({ pending_feedback: 0, settled_expired: 1 });
        await a.close();
      },
    );
  });

  describe("a large snapshot", () => {
    it.skipIf(db.backend !== "postgres")(
      "is written and read back under a time bound that grows with its size, not cut off by queryTimeoutMs",
      async () => {
        // 30 MB of model against a 100 ms statement bound: a partition's bound, not a model's.
        const schema = db.schema();
        const writer = db.store(schema, { queryTimeoutMs: 100 });
        await writer.open();
        const model = { pad: "x".repeat(30_000_000) };
        const receipt = await writer.snapshot(() => model);
        expect(receipt.bytes).toBeGreaterThan(30_000_000);
        await writer.close();
        const reader = db.store(schema, { queryTimeoutMs: 100 });
        const recovered = await reader.open();
        expect((recovered.snapshot as { pad: string }).pad.length).toBe(30_000_000);
        await reader.close();
      },
      60_000,
    );
  });

  describe("a network partition, then healed", () => {
    it.runIf(db.backend === "postgres").each(["the store's own pool", "a pool passed in"])(
      "writes again once it heals, with %s: a query with no answer drops its connection and the write is retried",
      async (poolKind) => {
        const proxy = await partitionProxy();
        const schema = db.schema();
        const pool = poolKind === "a pool passed in" ? new pg.Pool({ connectionString: proxy.url }) : undefined;
        pool?.on("error", () => {});
        const store = db.store(schema, {
          ...(pool ? { pool } : { connectionString: proxy.url }),
          appendTimeoutMs: 500,
          queryTimeoutMs: 300,
          findDecisionWaitMs: 0,
        });
        const engine = await RoutingEngine.open({ store, seed: 1, autoSave: false });
        try {
          await engine.feedback(outcome(engine.decide({ context, providers }).metadata.decision_id, 0));
          proxy.partition();
          const cutOff: string[] = [];
          for (let i = 0; i < 5; i++) cutOff.push(engine.decide({ context, providers }).metadata.decision_id);
          await expect(engine.feedback(outcome(cutOff[0]!, 1))).rejects.toBeInstanceOf(FeedbackNotDurableError);
          await until(() => engine.getStatus().store?.ready === false, "not ready during the partition");
          proxy.heal();
          await until(() => engine.getStatus().store?.ready === true, "ready once the partition heals", 20_000);
          await engine.feedback(outcome(cutOff[1]!, 2));
          const rows = await db.query<{ n: string }>(
            `SELECT count(*) AS n FROM "${schema}".decisions WHERE decision_id = ANY($1)`,
            [cutOff],
          );
          expect(Number(rows[0]?.n)).toBe(5);
          // The feedback refused during the partition stayed queued and was written: its retry is a duplicate.
          await expect(engine.feedback(outcome(cutOff[0]!, 1))).rejects.toBeInstanceOf(DuplicateFeedbackError);
        } finally {
          await engine.close().catch(() => {});
          // First the proxy: a pool's own connection attempts into the partition end only with their sockets.
          proxy.close();
          await pool?.end().catch(() => {});
        }
      },
    );
  });

  describe("readiness", () => {
    it.runIf(db.backend === "postgres")(
      "is not ready once an event has waited appendTimeoutMs unwritten, with decisions only and no feedback",
      async () => {
        const schema = db.schema();
        const engine = await RoutingEngine.open({
          store: db.store(schema, { appendTimeoutMs: 300 }),
          seed: 1,
          autoSave: false,
        });
        engine.decide({ context, providers });
        // Written, its audit entry too: `ready` is true before anything is written, and an item of
        // the first decision still queued under the lock below would be the oldest, waited on since before `decided`.
        const count = async (table: string) =>
          Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table}`))[0]?.n);
        for (let tries = 0; (await count("decisions")) < 1 || (await count("audit_trail")) < 1; tries++) {
          if (tries > 250) throw new Error("the first decision and its audit entry were not written");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await whileHeadLocked(schema, async () => {
          const decided = Date.now();
          engine.decide({ context, providers });
          await until(() => engine.getStatus().store?.ready === false, "not ready while nothing is written", 3_000);
          expect(Date.now() - decided).toBeGreaterThanOrEqual(300);
          expect(engine.getStatus().store?.last_error).toMatch(
            /oldest unwritten event has waited \d+ ms, over appendTimeoutMs \(300 ms\)/,
          );
        });
        await until(() => engine.getStatus().store?.ready === true, "ready once the decision is written");
        const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".decisions`);
        expect(Number(rows[0]?.n)).toBe(2);
        await engine.close();
      },
    );
  });

  describe("background snapshots", () => {
    it("are taken under steady load: the snapshot waits for what was queued before it, not for an empty queue", async () => {
      const schema = db.schema();
      const engine = await RoutingEngine.open({ store: db.store(schema, { snapshotEvery: 200 }), seed: 1 });
      // One decide+feedback after another: some event is always queued when a snapshot starts.
      for (let i = 0; i < 600; i++) await engine.feedback(outcome(engine.decide({ context, providers }).metadata.decision_id, i));
      const { snapshot_version, events_since_snapshot } = engine.getStatus().store!;
      expect(snapshot_version).toBeGreaterThanOrEqual(3);
      expect(events_since_snapshot).toBeLessThan(600);
      const model = engine.policy.toJSON();
      await engine.close();
      const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false });
      expect(restarted.policy.toJSON()).toEqual(model);
      await restarted.close();
    });
  });

  describe("a snapshot taken while the replica's own feedback is being written", () => {
    it("replays, after a restart, the outcomes its cut lacked: the engine learns one only once it is written", async () => {
      const schema = db.schema();
      const engine = await RoutingEngine.open({ store: db.store(schema, { flushMs: 5 }), seed: 1, autoSave: false });
      for (let i = 0; i < 20; i++) {
        const id = engine.decide({ context, providers }).metadata.decision_id;
        const saving = engine.save();
        await engine.feedback(outcome(id, i));
        await saving;
      }
      const model = engine.policy.toJSON() as { total_rewards: number };
      expect(model.total_rewards).toBe(20);
      await engine.close();
      const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false });
      expect(restarted.policy.toJSON()).toEqual(model);
      expect(restarted.getStatus().executor.pending_feedback).toBe(0);
      await restarted.close();
    });
  });

  describe.skipIf(db.backend !== "postgres")("an own outcome the stream reads before its writer has the commit's reply", () => {
    it("is replayed after a restart from a snapshot cut past it, since the engine had not learned it then", async () => {
      const schema = db.schema();
      // The connection that commits the outcome hands back the reply 300 ms late, while the
      // snapshot's poll (held until then) reads the committed row on another connection.
      let holdPoll = false;
      let releasePoll = () => {};
      let committed = () => {};
      const committedOnce = new Promise<void>((resolve) => {
        committed = resolve;
      });
      const outcomeTx = new WeakSet<object>();
      const pool = poolAround(async (sql, run, connection) => {
        if (holdPoll && sql.includes("UNION ALL SELECT seq, origin, n, event FROM")) {
          holdPoll = false;
          await new Promise<void>((resolve) => {
            releasePoll = resolve;
          });
        }
        if (/INSERT INTO .*outcomes/.test(sql)) outcomeTx.add(connection);
        const result = await run();
        if (sql === "COMMIT" && outcomeTx.delete(connection)) {
          committed();
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        return result;
      });
      const engine = await RoutingEngine.open({
        store: db.store(schema, { pool, pollMs: 60_000, flushMs: 1 }),
        seed: 1,
        autoSave: false,
      });
      const id = engine.decide({ context, providers }).metadata.decision_id;
      await new Promise((resolve) => setTimeout(resolve, 200));
      holdPoll = true;
      const saving = engine.save();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const feedback = engine.feedback(outcome(id, 1));
      await committedOnce;
      releasePoll();
      await saving;
      await feedback;
      const snapshots = await db.query<{ upto_seq: string; unapplied: number[] }>(
        `SELECT upto_seq, array_to_json(origin_unapplied) AS unapplied FROM "${schema}".snapshots`,
      );
      const outcomes = await db.query<{ seq: string }>(`SELECT seq FROM "${schema}".outcomes`);
      // The cut is past the outcome's row, which it lists as not learned.
      expect(Number(snapshots[0]?.upto_seq)).toBeGreaterThanOrEqual(Number(outcomes[0]?.seq));
      expect(snapshots[0]?.unapplied).toHaveLength(1);
      const model = engine.policy.toJSON() as { total_rewards: number };
      expect(model.total_rewards).toBe(1);
      // Closed without a snapshot of its own: the restart starts from the one above.
      await engine.close();
      await pool.end();
      const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false });
      expect((restarted.policy.toJSON() as { total_rewards: number }).total_rewards).toBe(1);
      expect(restarted.getStatus().executor.pending_feedback).toBe(0);
      await restarted.close();
    });
  });

  describe("event retention", () => {
    const rowsIn = async (schema: string) => {
      const count = async (table: string) =>
        Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".${table}`))[0]?.n);
      const head = await db.query<{ pruned_seq: string }>(`SELECT pruned_seq FROM "${schema}".store_head`);
      return { decisions: await count("decisions"), outcomes: await count("outcomes"), pruned: Number(head[0]?.pruned_seq) };
    };

    /**
     * Retention of an hour, decisions made a day ago (the engine's clock) with a minute's reward
     * wait: they are old enough to go, and still pending where no feedback came.
     */
    const aged = () => ({
      store: { eventRetentionMs: 3_600_000 },
      engine: { clock: new ManualClock(Date.now() - 86_400_000), rewardWaitMs: 60_000 },
    });

    /** 30 decisions, 20 fed back, a snapshot; 10 more, 5 of those fed back, a second snapshot; closed. */
    async function twoSnapshots(schema: string, options: { store?: object; engine?: object } = aged()) {
      const engine = await RoutingEngine.open({
        store: db.store(schema, options.store),
        seed: 1,
        autoSave: false,
        ...options.engine,
      });
      const ids = Array.from({ length: 30 }, () => engine.decide({ context, providers }).metadata.decision_id);
      for (const [i, id] of ids.slice(0, 20).entries()) await engine.feedback(outcome(id, i));
      await engine.save();
      const later = Array.from({ length: 10 }, () => engine.decide({ context, providers }).metadata.decision_id);
      for (const [i, id] of later.slice(0, 5).entries()) await engine.feedback(outcome(id, i));
      await engine.save();
      const model = engine.policy.toJSON();
      await engine.close();
      return { ids, later, model };
    }

    it("removes finished decisions' events both kept snapshots cover, keeps pending ones, and restarts to the same model", async () => {
      const schema = db.schema();
      const { ids, later, model } = await twoSnapshots(schema);
      // The first 20 were finished before the first snapshot's cut: gone. The 10 left pending, and
      // everything after that cut, stay.
      const rows = await rowsIn(schema);
      expect(rows).toMatchObject({ decisions: 20, outcomes: 5 });
      expect(rows.pruned).toBeGreaterThan(0);
      const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false });
      expect(restarted.policy.toJSON()).toEqual(model);
      expect(restarted.getStatus().executor.pending_feedback).toBe(15);
      expect(restarted.getStatus().store?.ready).toBe(true);
      await expect(restarted.feedback(outcome(ids[25]!, 1))).resolves.toBeTypeOf("number");
      await expect(restarted.feedback(outcome(later[9]!, 1))).resolves.toBeTypeOf("number");
      // A removed decision's feedback is still refused as a duplicate: the snapshot remembers it finished.
      await expect(restarted.feedback(outcome(ids[3]!, 1))).rejects.toBeInstanceOf(DuplicateFeedbackError);
      await restarted.close();
    });

    it("removes decision-log claims older than the retention with the events", async () => {
      const schema = db.schema();
      const engine = await RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false });
      await engine.close();
      await db.query(
        `INSERT INTO "${schema}".log_claims (decision_id, origin, claimed_at) VALUES ('old', 'x', now() - interval '2 hours'), ('new', 'x', now())`,
      );
      await twoSnapshots(schema);
      const left = await db.query<{ decision_id: string }>(`SELECT decision_id FROM "${schema}".log_claims`);
      expect(left.map((row) => row.decision_id)).toEqual(["new"]);
    });

    it("keeps every event of the last week by default", async () => {
      const schema = db.schema();
      await twoSnapshots(schema, {});
      expect(await rowsIn(schema)).toEqual({ decisions: 40, outcomes: 25, pruned: 0 });
    });

    it("removes nothing with a single snapshot, which a restart might have to do without", async () => {
      const schema = db.schema();
      const options = aged();
      const engine = await RoutingEngine.open({
        store: db.store(schema, options.store),
        seed: 1,
        autoSave: false,
        ...options.engine,
      });
      for (let i = 0; i < 10; i++) await engine.feedback(outcome(engine.decide({ context, providers }).metadata.decision_id, i));
      await engine.save();
      await engine.close();
      expect(await rowsIn(schema)).toEqual({ decisions: 10, outcomes: 10, pruned: 0 });
    });

    it("removes nothing a live replica has not read yet", async () => {
      const schema = db.schema();
      const slow = await RoutingEngine.open({ store: db.store(schema, { pollMs: 600_000 }), seed: 3, autoSave: false });
      await twoSnapshots(schema);
      expect(await rowsIn(schema)).toEqual({ decisions: 40, outcomes: 25, pruned: 0 });
      await slow.save();
      expect(slow.getStatus().store?.ready).toBe(true);
      await slow.close();
    });

    it("tells a replica that stopped reading (no sign of life for a minute) it missed removed events, and takes no snapshot from it", async () => {
      const schema = db.schema();
      const store = db.store(schema, { pollMs: 600_000 });
      const behind = await RoutingEngine.open({ store, seed: 3, autoSave: false });
      await db.query(`UPDATE "${schema}".replicas SET seen_at = now() - interval '2 minutes' WHERE origin = $1`, [store.origin]);
      await twoSnapshots(schema);
      await expect(behind.save()).rejects.toThrow(
        /this replica had read the events up to seq 0 when event retention removed some up to seq \d+: its model lacks them; restart it/,
      );
      expect(behind.getStatus().store).toMatchObject({ ready: false, last_error: expect.stringMatching(/restart it/) });
      await behind.close().catch(() => {});
      expect((await db.query(`SELECT version FROM "${schema}".snapshots`)).length).toBe(2);
    });

    it("closes such a replica (autoSave) without a snapshot and without an error, its own events written", async () => {
      const schema = db.schema();
      const store = db.store(schema, { pollMs: 600_000 });
      const said: string[] = [];
      const behind = await RoutingEngine.open({ store, seed: 3, log: (message) => said.push(message) });
      await db.query(`UPDATE "${schema}".replicas SET seen_at = now() - interval '2 minutes' WHERE origin = $1`, [store.origin]);
      await twoSnapshots(schema);
      const saved = await behind.save().catch((error: unknown) => error);
      expect(saved).toBeInstanceOf(SnapshotDeclinedError);
      expect(saved).toMatchObject({ code: "SNAPSHOT_DECLINED" });
      // Its own decision, made after it fell behind, is written by close() all the same.
      const id = behind.decide({ context, providers }).metadata.decision_id;
      await behind.close();
      expect(said).toContainEqual(
        expect.stringMatching(/^closing: no snapshot was taken: this replica had read the events up to seq 0/),
      );
      expect((await db.query(`SELECT version FROM "${schema}".snapshots`)).length).toBe(2);
      expect((await db.query(`SELECT decision_id FROM "${schema}".decisions WHERE decision_id = $1`, [id])).length).toBe(1);
    });

    it.skipIf(db.backend !== "postgres")(
      "tells a replica that looked stopped while it read the stream that it missed what retention removed meanwhile",
      async () => {
        const schema = db.schema();
        // B's read of the stream is held after its check of pruned_seq; meanwhile it looks stopped
        // (no registration for over replicaStaleMs) and A's retention removes events past it.
        const gate = gatedPool((sql) => sql.includes("UNION ALL SELECT seq, origin, n, event FROM"));
        const { pool } = gate;
        const b = await RoutingEngine.open({
          store: db.store(schema, { pool, pollMs: 600_000, replicaStaleMs: 300 }),
          seed: 2,
          autoSave: false,
        });
        gate.shut();
        const bSave = b.save().then(
          () => undefined,
          (error: unknown) => error,
        );
        const options = aged();
        const a = await RoutingEngine.open({
          store: db.store(schema, { ...options.store, replicaStaleMs: 300 }),
          seed: 1,
          autoSave: false,
          ...options.engine,
        });
        await new Promise((resolve) => setTimeout(resolve, 400));
        for (let i = 0; i < 10; i++) await a.feedback(outcome(a.decide({ context, providers }).metadata.decision_id, i));
        await a.save();
        await a.feedback(outcome(a.decide({ context, providers }).metadata.decision_id, 1));
        await a.save();
        await a.close();
        expect((await rowsIn(schema)).pruned).toBeGreaterThan(0);
        gate.open();
        expect(String(await bSave)).toMatch(/this replica had read the events up to seq 0 when event retention removed some/);
        expect(b.getStatus().store?.ready).toBe(false);
        await b.close().catch(() => {});
        await pool.end();
      },
    );

    it("keeps an idle replica registered as live when replicaStaleMs is shorter than the 10 s heartbeat", async () => {
      // It said it was there every 10 s only: with replicaStaleMs 900, retention took an idle
      // replica for stopped and could remove events it had not read.
      const schema = db.schema();
      const store = db.store(schema, { pollMs: 50, replicaStaleMs: 900 });
      const idle = await RoutingEngine.open({ store, seed: 1, autoSave: false });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const [row] = await db.query<{ age_ms: string }>(
        `SELECT extract(epoch FROM now() - seen_at) * 1000 AS age_ms FROM "${schema}".replicas WHERE origin = $1`,
        [store.origin],
      );
      expect(Number(row?.age_ms)).toBeLessThan(900);
      await idle.close();
    });

    it("refuses a replicaStaleMs that is not a whole number of milliseconds ≥ 1", () => {
      expect(() => db.store(db.schema(), { replicaStaleMs: 0 })).toThrow(/^options\.replicaStaleMs: must be a whole number/);
    });

    it("is refused by the engine when shorter than its reward wait plus the store's grace", async () => {
      const schema = db.schema();
      await expect(
        RoutingEngine.open({ store: db.store(schema, { eventRetentionMs: 3_600_000 }), seed: 1, autoSave: false }),
      ).rejects.toThrow(
        /^store\.eventRetentionMs: is 3600000 ms, shorter than rewardWaitMs \+ the store's settleGraceMs \(172806100 ms\)/,
      );
    });

    it.skipIf(db.backend !== "postgres")(
      "keeps no snapshot whose cut is older than what retention removed while it was being written",
      async () => {
        const schema = db.schema();
        // B's snapshot transaction is held before it locks the head, as a slow one would wait.
        const gate = gatedPool((sql) => sql.includes("SELECT pruned_seq FROM") && sql.includes("FOR UPDATE"));
        const { pool } = gate;
        const options = aged();
        const a = await RoutingEngine.open({
          store: db.store(schema, options.store),
          seed: 1,
          autoSave: false,
          ...options.engine,
        });
        const b = await RoutingEngine.open({ store: db.store(schema, { pool }), seed: 2, autoSave: false });
        for (let i = 0; i < 10; i++) await a.feedback(outcome(a.decide({ context, providers }).metadata.decision_id, i));
        await until(() => b.getStatus().store?.shared_totals?.outcomes === 10, "b to read a's first outcomes");
        gate.shut();
        const bSave = b.save().then(
          () => undefined,
          (error: unknown) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        // After b's cut: decisions made and finished, two snapshots of a, and retention removes them.
        for (let i = 0; i < 10; i++) await a.feedback(outcome(a.decide({ context, providers }).metadata.decision_id, i));
        await a.save();
        await a.feedback(outcome(a.decide({ context, providers }).metadata.decision_id, 1));
        await until(() => b.getStatus().store?.shared_totals?.outcomes === 21, "b to read on");
        await new Promise((resolve) => setTimeout(resolve, 150));
        await a.save();
        await a.close();
        const pruned = (await rowsIn(schema)).pruned;
        expect(pruned).toBeGreaterThan(0);
        gate.open();
        expect(String(await bSave)).toMatch(/this snapshot's cut \(seq \d+\) is older than the events event retention removed/);
        expect(b.getStatus().store?.ready).toBe(true);
        await b.close().catch(() => {});
        await pool.end();
        const restarted = await RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false });
        expect((restarted.policy.toJSON() as { total_rewards: number }).total_rewards).toBe(21);
        await restarted.close();
      },
    );

    it("refuses to start when no snapshot covers the removed events", async () => {
      const schema = db.schema();
      await twoSnapshots(schema);
      await db.query(`DELETE FROM "${schema}".snapshots`);
      await expect(RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false })).rejects.toThrow(
        /holds no snapshot covering the events up to seq \d+ that event retention removed/,
      );
    });

    it("refuses an eventRetentionMs below 1 ms, naming it", () => {
      expect(() => db.store(db.schema(), { eventRetentionMs: 0 })).toThrow(
        /^options\.eventRetentionMs: must be a number of milliseconds ≥ 1/,
      );
    });
  });

  describe("audit retention", () => {
    const auditOf = async (schema: string) => {
      const rows = await db.query<ChainedAuditRecord>(
        `SELECT seq::float8 AS seq, prev, hash, record FROM "${schema}".audit_trail ORDER BY seq`,
      );
      const head = await db.query<{ seq: number; prev: string | null }>(
        `SELECT audit_anchor_seq::float8 AS seq, audit_anchor_prev AS prev FROM "${schema}".store_head`,
      );
      return { rows, anchor: head[0]! };
    };

    it("removes the records older than auditRetentionMs, oldest first, and anchors where the chain now begins", async () => {
      const schema = db.schema();
      const clock = new ManualClock(Date.now() - 3_600_000);
      const engine = await RoutingEngine.open({
        store: db.store(schema, { auditRetentionMs: 600_000 }),
        seed: 1,
        autoSave: false,
        clock,
      });
      for (let i = 0; i < 10; i++) engine.decide({ context, providers });
      await engine.save();
      clock.set(Date.now());
      for (let i = 0; i < 10; i++) engine.decide({ context, providers });
      await engine.save();
      await engine.close();
      const { rows, anchor } = await auditOf(schema);
      expect(rows.map((row) => row.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 11 + i));
      expect(anchor).toEqual({ seq: 11, prev: rows[0]!.prev });
      expect(verifyAuditChain(rows, anchor.prev)).toBeNull();
    });

    it("anchors at the next record when every record is old, and the trail chains on from there", async () => {
      const schema = db.schema();
      let engine = await RoutingEngine.open({ store: db.store(schema, { auditRetentionMs: 1 }), seed: 1, autoSave: false });
      for (let i = 0; i < 5; i++) engine.decide({ context, providers });
      await engine.save();
      await engine.close();
      const emptied = await auditOf(schema);
      expect(emptied.rows).toEqual([]);
      expect(emptied.anchor.seq).toBe(6);
      engine = await RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false });
      for (let i = 0; i < 3; i++) engine.decide({ context, providers });
      await engine.close();
      const { rows, anchor } = await auditOf(schema);
      expect(rows.map((row) => row.seq)).toEqual([6, 7, 8]);
      expect(verifyAuditChain(rows, anchor.prev)).toBeNull();
    });

    it("keeps every record by default", async () => {
      const schema = db.schema();
      const engine = await RoutingEngine.open({ store: db.store(schema), seed: 1, autoSave: false });
      for (let i = 0; i < 5; i++) engine.decide({ context, providers });
      await engine.save();
      await engine.save();
      await engine.close();
      const { rows, anchor } = await auditOf(schema);
      expect(rows).toHaveLength(5);
      expect(anchor).toEqual({ seq: 0, prev: null });
    });

    it("refuses an auditRetentionMs below 1 ms, naming it", () => {
      expect(() => db.store(db.schema(), { auditRetentionMs: 0.5 })).toThrow(
        /^options\.auditRetentionMs: must be a number of milliseconds ≥ 1/,
      );
    });
  });

  describe("receipts and audit trail", () => {
    it("chains receipts and refuses a tampered snapshot, starting from the previous version", async () => {
      const schema = db.schema();
      const [a] = await replicas(schema, 1);
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 5; i++) await a!.feedback(outcome(a!.decide({ context, providers }).metadata.decision_id, i));
        await a!.save();
      }
      const model = a!.policy.toJSON();
      await a!.close();
      const receipts = await db.query<Receipt>(
        `SELECT version, sha256, bytes::float8 AS bytes, prev, saved_at, hash FROM "${schema}".receipts ORDER BY version`,
      );
      expect(receipts.map((r) => r.version)).toEqual([1, 2]);
      expect(verifyReceiptChain(receipts)).toBeNull();
      await db.query(
        `UPDATE "${schema}".snapshots SET content = replace(content, '"epsilon":', '"epsilon": ') WHERE version = 2`,
      );
      const lines: string[] = [];
      const restarted = await RoutingEngine.open({
        store: db.store(schema, { log: (line) => lines.push(line) }),
        seed: 1,
        autoSave: false,
      });
      expect(lines[0]).toMatch(/snapshot version 2 .* not .* as its receipt says: refused/);
      expect(restarted.policy.toJSON()).toEqual(model);
      await restarted.close();
    });

    it("keeps one hash-chained audit trail for every replica", async () => {
      const schema = db.schema();
      const engines = await replicas(schema, 2);
      for (let i = 0; i < 20; i++) engines[i % 2]!.decide({ context, providers });
      for (const engine of engines) await engine.close();
      const rows = await db.query<ChainedAuditRecord>(
        `SELECT seq::float8 AS seq, prev, hash, record FROM "${schema}".audit_trail ORDER BY seq`,
      );
      expect(rows).toHaveLength(20);
      expect(verifyAuditChain(rows)).toBeNull();
      const tampered = rows.map((row) => structuredClone(row));
      (tampered[4]!.record as { entry: { provider_id: string } }).entry.provider_id = "evil";
      expect(verifyAuditChain(tampered)?.reason).toBe("audit record 5: its hash does not match its content (edited?)");
    });
  });
});
