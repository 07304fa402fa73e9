import type { ChildProcess } from "node:child_process";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PREVIOUS_VERSION_NOTE, writeDamagedModel } from "../test/damaged-model.js";
import { DECIDE_BODY, OUTCOME } from "../test/fixtures.js";
import { RawConnection, rawRequest } from "../test/raw-connection.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js");
/** The `aurora-ope` command of @aurora/evaluation, built in this repository. */
const AURORA_OPE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "packages", "evaluation", "dist", "bin.js");

interface Sidecar {
  child: ChildProcess;
  /** JSON log lines written so far. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
  waitForLog: (msg: RegExp) => Promise<Record<string, unknown>>;
}

/** Runs `node dist/main.js` with `env` (and nothing else from this process's environment but PATH). */
function runMain(env: Record<string, string>): Sidecar {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { msg: RegExp; resolve: (line: Record<string, unknown>) => void }[] = [];
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    let newline = stdout.indexOf("\n");
    while (newline >= 0) {
      const line = JSON.parse(stdout.slice(0, newline)) as Record<string, unknown>;
      stdout = stdout.slice(newline + 1);
      logs.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.msg.test(String(line.msg))) waiter.resolve(line);
        else waiters.push(waiter);
      }
      newline = stdout.indexOf("\n");
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitForLog = (msg: RegExp) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const seen = logs.find((line) => msg.test(String(line.msg)));
      if (seen) return resolve(seen);
      waiters.push({ msg, resolve });
      void exited.then((code) => reject(new Error(`dist/main.js exited (${code}) before logging ${msg}; stderr: ${stderr}`)));
    });
  return { child, logs, stderr: () => stderr, exited, waitForLog };
}

async function portOf(sidecar: Sidecar): Promise<number> {
  const line = await sidecar.waitForLog(/^aurora sidecar listening$/);
  return (line.address as { port: number }).port;
}

/** "started" (and stopped again) when the sidecar listened, else its exit code. */
async function startOrExit(sidecar: Sidecar): Promise<"started" | number | null> {
  const outcome = await Promise.race([
    sidecar.exited,
    portOf(sidecar).then(
      () => "started" as const,
      () => sidecar.exited,
    ),
  ]);
  if (outcome === "started") {
    sidecar.child.kill("SIGKILL");
    await sidecar.exited;
  }
  return outcome;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post(port: number, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));
}

describe("dist/main.js", () => {
  let dir: string;
  let running: Sidecar | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-main-"));
  });
  afterEach(() => {
    if (running && running.child.exitCode === null) running.child.kill("SIGKILL");
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 1 with a message naming the variable when the configuration is invalid", async () => {
    running = runMain({ PORT: "eighty" });
    expect(await running.exited).toBe(1);
    expect(running.stderr()).toBe(
      'aurora-sidecar: invalid configuration: PORT: must be a whole number from 0 to 65535 (TCP port; 0 picks a free one); got "eighty"\n',
    );
  });

  it.each(["SIGTERM", "SIGINT"] as const)("on %s stops, saves the model and exits 0", async (signal) => {
    const modelPath = join(dir, "model.json");
    running = runMain({ PORT: "0", MODEL_PATH: modelPath, SAVE_EVERY: "1000" });
    const port = await portOf(running);
    for (let i = 0; i < 3; i++) expect((await post(port, "/decide", DECIDE_BODY)).status).toBe(200);
    expect(existsSync(modelPath)).toBe(false);

    running.child.kill(signal);
    expect(await running.exited).toBe(0);
    const model = JSON.parse(readFileSync(modelPath, "utf8"));
    expect(model.decision_count).toBe(3);
    expect(model.pending).toHaveLength(3);
    expect(running.logs.map((line) => line.msg)).toContain(`stopped; model saved to ${modelPath}`);
  });

  it("answers every pipelined feedback the engine took when SIGTERM arrived, and saves exactly those", async () => {
    const modelPath = join(dir, "model.json");
    running = runMain({ PORT: "0", MODEL_PATH: modelPath, SAVE_EVERY: "1000" });
    const port = await portOf(running);
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      ids.push(((await post(port, "/decide", DECIDE_BODY)).body as { metadata: { decision_id: string } }).metadata.decision_id);
    }
    const connection = await RawConnection.open(port);
    connection.write(ids.map((id) => rawRequest("POST", "/feedback", JSON.stringify({ decision_id: id, ...OUTCOME }))).join(""));
    // Not a timing assertion: the signal lands while the server works through the pipeline.
    await connection.answered(1);
    running.child.kill("SIGTERM");

    expect(await running.exited).toBe(0);
    await connection.closed;
    const pending = new Set(
      (JSON.parse(readFileSync(modelPath, "utf8")).pending as { decision_id: string }[]).map((p) => p.decision_id),
    );
    const learned = ids.filter((id) => !pending.has(id));
    const answered = connection.responses.filter((r) => r.status === 200).map((r) => JSON.parse(r.body).decision_id);
    expect(answered).toEqual(learned);
    expect(connection.responses.filter((r) => r.status !== 200).map((r) => r.status)).toEqual([]);
  });

  it.each([
    ["nothing", ""],
    ["half a header", "POST /feedback HTTP/1.1\r\nHost: aurora\r\n"],
    [
      "half a body",
      'POST /feedback HTTP/1.1\r\nHost: aurora\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"decision',
    ],
  ])("on SIGTERM closes a connection that has sent %s, saves the model and exits 0 at once", async (_what, text) => {
    const modelPath = join(dir, "model.json");
    running = runMain({ PORT: "0", MODEL_PATH: modelPath, SAVE_EVERY: "1000", SHUTDOWN_TIMEOUT_MS: "5000" });
    const port = await portOf(running);
    expect((await post(port, "/decide", DECIDE_BODY)).status).toBe(200);
    const connection = await RawConnection.open(port);
    if (text !== "") connection.write(text);
    // Not a timing assertion: a pause so the server has read what was sent before the signal.
    await pause(200);
    running.child.kill("SIGTERM");

    expect(await running.exited).toBe(0);
    await connection.closed;
    expect(connection.responses).toEqual([]);
    expect(running.logs.map((line) => line.msg)).toContain(`stopped; model saved to ${modelPath}`);
    expect(running.logs.filter((line) => (line.level as number) >= 50)).toEqual([]);
    expect(JSON.parse(readFileSync(modelPath, "utf8")).decision_count).toBe(1);
  });

  it("saves synchronously and exits 1 when answers cannot be delivered within SHUTDOWN_TIMEOUT_MS", async () => {
    const modelPath = join(dir, "model.json");
    running = runMain({ PORT: "0", MODEL_PATH: modelPath, SAVE_EVERY: "1000", SHUTDOWN_TIMEOUT_MS: "300" });
    const port = await portOf(running);
    expect((await post(port, "/decide", DECIDE_BODY)).status).toBe(200);
    // A client that asks for ~20 MB of answers and reads none: they outgrow the socket buffers.
    const stuck = await RawConnection.open(port);
    stuck.pause();
    stuck.write(rawRequest("GET", "/openapi.json").repeat(1000));
    await pause(200);
    running.child.kill("SIGTERM");

    expect(await running.exited).toBe(1);
    expect(running.logs.map((line) => line.msg)).toContain("shutdown took longer than SHUTDOWN_TIMEOUT_MS");
    expect(JSON.parse(readFileSync(modelPath, "utf8")).decision_count).toBe(1);
    stuck.destroy();
  });

  it("trims MODEL_PATH, saving to the file it names rather than one ending in a space", async () => {
    const modelPath = join(dir, "model.json");
    running = runMain({ PORT: "0", MODEL_PATH: `${modelPath} `, SAVE_EVERY: "1000" });
    const port = await portOf(running);
    expect((await post(port, "/decide", DECIDE_BODY)).status).toBe(200);
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
    expect(existsSync(modelPath)).toBe(true);
    expect(existsSync(`${modelPath} `)).toBe(false);
  });

  it("writes every decision with its outcome to AURORA_DECISION_LOG, across a restart, which aurora-ope reads", async () => {
    const decisionLog = join(dir, "decisions.jsonl");
    running = runMain({ PORT: "0", MODEL_PATH: join(dir, "model.json"), AURORA_DECISION_LOG: decisionLog, AURORA_SEED: "1" });
    const port = await portOf(running);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const decided = await post(port, "/decide", DECIDE_BODY);
      const id = (decided.body as { metadata: { decision_id: string } }).metadata.decision_id;
      expect((await post(port, "/feedback", { decision_id: id, ...OUTCOME })).status).toBe(200);
      ids.push(id);
    }
    // One decision still waiting for its outcome: not in the log, which holds finished decisions only.
    const waiting = await post(port, "/decide", DECIDE_BODY);
    expect(waiting.status).toBe(200);
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
    const logged = () =>
      readFileSync(decisionLog, "utf8")
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as { decision_id: string }).decision_id);
    expect(logged()).toEqual(ids);

    // Its feedback comes to the restarted sidecar: then it is logged, with the candidates it had.
    running = runMain({ PORT: "0", MODEL_PATH: join(dir, "model.json"), AURORA_DECISION_LOG: decisionLog, AURORA_SEED: "2" });
    const restartedPort = await portOf(running);
    const waitingId = (waiting.body as { metadata: { decision_id: string } }).metadata.decision_id;
    expect((await post(restartedPort, "/feedback", { decision_id: waitingId, ...OUTCOME })).status).toBe(200);
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
    expect(logged()).toEqual([...ids, waitingId]);
    const lines = readFileSync(decisionLog, "utf8").trimEnd().split("\n");
    const last = JSON.parse(lines.at(-1) as string) as { candidates: unknown[] };
    expect(last.candidates).toEqual((JSON.parse(lines[0] as string) as { candidates: unknown[] }).candidates);
    expect(existsSync(AURORA_OPE)).toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [
      AURORA_OPE,
      "--log",
      decisionLog,
      "--policy",
      "rule",
      "--json",
    ]);
    const evaluation = JSON.parse(stdout) as { logged: { n: number; estimate: number } };
    expect(evaluation.logged.n).toBe(6);
    expect(evaluation.logged.estimate).toBeCloseTo(8.28, 9);
  });

  describe("refuses to start, naming the variable", () => {
    it.each([
      [{ BODY_LIMIT: "600mb" }, "BODY_LIMIT: must be a size from 1024 bytes to 256mb"],
      [{ AURORA_API_TOKEN: "s3cret " }, "AURORA_API_TOKEN: has whitespace at its start or end"],
      [
        { AURORA_POLICY: "thompson", AURORA_GUARDRAIL: '{"policy":{"kind":"nope","zz":1}}' },
        "AURORA_POLICY: is set while AURORA_GUARDRAIL names a policy of its own",
      ],
      [{ MODEL_PATH: " " }, "MODEL_PATH: must be the path of the model file"],
      [{ AURORA_DEFAULT_REWARD: "1e308" }, "AURORA_DEFAULT_REWARD: must be a decimal number within ±1e16"],
      [{ AURORA_DEFAULT_REWARD: "0x10" }, "AURORA_DEFAULT_REWARD: must be a decimal number within ±1e16"],
      [
        { MODEL_PATH: "model.json", DATABASE_URL: "postgres://aurora@127.0.0.1:1/aurora" },
        "MODEL_PATH: is set along with DATABASE_URL, which keeps the model in PostgreSQL instead",
      ],
      [{ AURORA_DECISION_LOG: "\t" }, "AURORA_DECISION_LOG: must be the path of the decision log"],
    ])("%j", async (env, message) => {
      running = runMain({ PORT: "0", ...env });
      expect(await startOrExit(running)).toBe(1);
      expect(running.stderr()).toMatch(new RegExp(`^aurora-sidecar: invalid configuration: ${escapeRegExp(message)}`));
    });

    it("MODEL_PATH and the file, when the model in it does not load", async () => {
      const modelPath = join(dir, "e.json");
      writeFileSync(modelPath, "{}");
      running = runMain({ PORT: "0", MODEL_PATH: modelPath });
      expect(await startOrExit(running)).toBe(1);
      expect(running.stderr()).toBe(
        `aurora-sidecar: cannot start: MODEL_PATH: cannot load the model ${modelPath}: epsilon: must be a number from 0 to 1 (the current exploration rate)\n`,
      );
    });

    it("HOST, when it does not resolve", async () => {
      running = runMain({ PORT: "0", HOST: "bogus.invalid" });
      expect(await startOrExit(running)).toBe(1);
      expect(running.stderr()).toMatch(
        /^aurora-sidecar: cannot start: HOST: "bogus\.invalid" does not resolve to an address \(getaddrinfo \w+ bogus\.invalid\): set HOST to an address of this machine/,
      );
    });

    it("PORT, when another process holds it", async () => {
      const holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
      const { port } = holder.address() as AddressInfo;
      try {
        running = runMain({ PORT: String(port) });
        expect(await startOrExit(running)).toBe(1);
        expect(running.stderr()).toBe(
          `aurora-sidecar: cannot start: PORT: ${port} is already in use on 127.0.0.1 (listen EADDRINUSE: address already in use 127.0.0.1:${port}): stop what holds it, or set PORT to a free port (0 picks one)\n`,
        );
      } finally {
        holder.close();
      }
    });

    it("DATABASE_URL, when the database cannot be reached, without printing its password", async () => {
      running = runMain({ PORT: "0", DATABASE_URL: "postgres://aurora:hunter2@127.0.0.1:1/aurora" });
      expect(await startOrExit(running)).toBe(1);
      expect(running.stderr()).toBe(
        'aurora-sidecar: cannot start: DATABASE_URL: cannot open the PostgreSQL store (schema "aurora"): connect ECONNREFUSED 127.0.0.1:1: check the host, port, user, password and database it names, and that PostgreSQL is reachable from here\n',
      );
    });
  });

  it("logs a damaged model file's fallback to model.json.prev as a JSON line, writing nothing to stderr", async () => {
    const modelPath = join(dir, "model.json");
    await writeDamagedModel(modelPath);
    running = runMain({ PORT: "0", MODEL_PATH: modelPath });
    await portOf(running);
    expect(running.logs.filter((line) => line.level === 40)).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(PREVIOUS_VERSION_NOTE) }),
    ]);
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
    expect(running.stderr()).toBe("");
  });

  it("reports an unwritable MODEL_PATH at start, and exits 1 when it cannot save at shutdown", async () => {
    const modelPath = join(dir, "missing", "model.json");
    running = runMain({ PORT: "0", MODEL_PATH: modelPath });
    const port = await portOf(running);
    const error = running.logs.find((line) => line.level === 50);
    expect(error?.msg).toBe(
      `MODEL_PATH ${modelPath} is not writable (ENOENT in ${join(dir, "missing")}): create the folder, fix its permissions or point MODEL_PATH elsewhere; /readyz answers 503 until it is`,
    );
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(1);
    expect(running.logs.map((line) => line.msg)).toContain("shutdown failed");
  });
});
