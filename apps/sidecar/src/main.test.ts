import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DECIDE_BODY } from "../test/fixtures.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js");

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

  it("finishes a request in flight when SIGTERM arrives, then saves it in the model", async () => {
    const modelPath = join(dir, "model.json");
    running = runMain({ PORT: "0", MODEL_PATH: modelPath, SAVE_EVERY: "1000" });
    const port = await portOf(running);
    const payload = Buffer.from(JSON.stringify(DECIDE_BODY));
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: "/decide",
          method: "POST",
          headers: { "content-type": "application/json", "content-length": payload.length },
        },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.write(payload.subarray(0, 10));
      // The rest goes out only once the server has begun its shutdown.
      void running!.waitForLog(/^shutting down/).then(() => req.end(payload.subarray(10)));
    });
    // Not a timing assertion: a pause so the server has parsed the headers before the signal.
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.child.kill("SIGTERM");

    const answer = await answered;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).provider_id).toEqual(expect.any(String));
    expect(await running.exited).toBe(0);
    expect(JSON.parse(readFileSync(modelPath, "utf8")).pending).toHaveLength(1);
  });

  it("saves synchronously and exits 1 when a request outlasts SHUTDOWN_TIMEOUT_MS", async () => {
    const modelPath = join(dir, "model.json");
    running = runMain({ PORT: "0", MODEL_PATH: modelPath, SAVE_EVERY: "1000", SHUTDOWN_TIMEOUT_MS: "300" });
    const port = await portOf(running);
    expect((await post(port, "/decide", DECIDE_BODY)).status).toBe(200);
    const stuck = request({
      host: "127.0.0.1",
      port,
      path: "/decide",
      method: "POST",
      headers: { "content-type": "application/json", "content-length": 1000 },
    });
    stuck.on("error", () => {});
    stuck.write("{"); // and never the rest
    await new Promise((resolve) => setTimeout(resolve, 200));
    running.child.kill("SIGTERM");

    expect(await running.exited).toBe(1);
    expect(running.logs.map((line) => line.msg)).toContain("shutdown took longer than SHUTDOWN_TIMEOUT_MS");
    expect(JSON.parse(readFileSync(modelPath, "utf8")).decision_count).toBe(1);
    stuck.destroy();
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
