import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseDecisionLog } from "@aurora/evaluation";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The decision log on a disk that fills mid-write and then frees space: the batch that could not
 * be written is dropped (counted), but the half of it that reached the file must not stay, or the
 * next batch is glued to it and `aurora-ope` stops at that line. The kernel refuses the writes: the
 * built engine runs in a child process whose file-size limit (RLIMIT_FSIZE) the test lowers with
 * `prlimit` to a little over the log's size (so a write is cut short mid-line), then lifts.
 */
const INDEX = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "index.js")).href;

const SCRIPT = `
import { statSync } from "node:fs";
import { createInterface } from "node:readline";
const { RoutingEngine } = await import(${JSON.stringify(INDEX)});
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (value) => console.log(JSON.stringify(value));
const path = process.argv[1];
const engine = new RoutingEngine({ seed: 1, decisionLogPath: path });
const providers = ["a", "b"].map((id) => ({ provider_id: id, price_usd_per_hour: 1, latency_ms: 50, reputation: 90, available: true }));
const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const pairs = async (n) => {
  for (let i = 0; i < n; i++) {
    const decision = engine.decide({ context, providers });
    await engine.feedback({ decision_id: decision.metadata.decision_id, success: true, actual_cost_usd: 1, actual_latency_ms: 50 });
  }
  return engine.decisionLog.flush().then(() => "written", (error) => error.name);
};
say({ flushed: await pairs(50), size: statSync(path).size, pid: process.pid });
await lines.next();
say({ flushed: await pairs(300) });
await lines.next();
say({ flushed: await pairs(50), stats: engine.decisionLog.stats() });
await engine.close().catch(() => {});
process.exit(0);
`;

describe("the decision log on a disk that fills mid-write, then frees space", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("drops the batch it could not write without leaving half a line, and the log still parses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-full-"));
    dirs.push(dir);
    const path = join(dir, "decisions.jsonl");
    const child = spawn(process.execPath, ["--input-type=module", "-e", SCRIPT, path], { stdio: ["pipe", "pipe", "inherit"] });
    const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await replies.next()).value as string);
    try {
      const { flushed, size, pid } = await next();
      expect(flushed).toBe("written");
      // Room for a few hundred more bytes: the next batch (~256 lines) is cut short mid-line.
      execFileSync("prlimit", ["--pid", String(pid), `--fsize=${size + 300}:unlimited`]);
      child.stdin.write("go\n");
      expect(await next()).toEqual({ flushed: "DecisionLogWriteError" });
      execFileSync("prlimit", ["--pid", String(pid), "--fsize=unlimited:unlimited"]);
      child.stdin.write("go\n");
      expect(await next()).toMatchObject({ flushed: "written", stats: { written: 100, dropped: 300 } });
    } finally {
      if (child.exitCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGKILL");
        await exited;
      }
    }
    expect([...parseDecisionLog(readFileSync(path, "utf8"), path)]).toHaveLength(100);
  });

  it("cuts back from the file's end, not to its own count, when the log was truncated under it (copytruncate)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-rotated-"));
    dirs.push(dir);
    const path = join(dir, "decisions.jsonl");
    const child = spawn(process.execPath, ["--input-type=module", "-e", SCRIPT, path], { stdio: ["pipe", "pipe", "inherit"] });
    const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await replies.next()).value as string);
    try {
      const { flushed, pid } = await next();
      expect(flushed).toBe("written");
      // logrotate's copytruncate: the file is emptied under the open writer; then the disk fills mid-write.
      truncateSync(path, 0);
      execFileSync("prlimit", ["--pid", String(pid), "--fsize=300:unlimited"]);
      child.stdin.write("go\n");
      expect(await next()).toEqual({ flushed: "DecisionLogWriteError" });
      execFileSync("prlimit", ["--pid", String(pid), "--fsize=unlimited:unlimited"]);
      child.stdin.write("go\n");
      expect(await next()).toMatchObject({ flushed: "written" });
    } finally {
      if (child.exitCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGKILL");
        await exited;
      }
    }
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain("\u0000");
    expect([...parseDecisionLog(text, path)]).toHaveLength(50);
  });
});
