import { mkdtempSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDecisionLog } from "@aurora/evaluation";
import { afterAll, describe, expect, it } from "vitest";
import { ENGINE_INDEX, LINE_PROTOCOL, limitFileSize, startChildScript } from "./child-script.js";

/**
 * The decision log on a disk that fills mid-write and then frees space: the batch that could not
 * be written is dropped (counted), but the half of it that reached the file must not stay, or the
 * next batch is glued to it and `aurora-ope` stops at that line. The kernel refuses the writes: the
 * built engine runs in a child process whose file-size limit (RLIMIT_FSIZE) the test lowers with
 * `prlimit` to a little over the log's size (so a write is cut short mid-line), then lifts.
 */
const SCRIPT = `${LINE_PROTOCOL}
import { statSync } from "node:fs";
const { RoutingEngine } = await import(${JSON.stringify(ENGINE_INDEX)});
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

/**
 * Runs the script on a log in a fresh folder: 50 decisions written; `squeeze(path, size)` may act
 * on the file and returns the file-size limit for the next 300 decisions, whose write must fail;
 * then the limit is lifted and 50 more are written. Returns the log's path and the writer's stats.
 */
async function fillMidWrite(
  dirs: string[],
  squeeze: (path: string, size: number) => number,
): Promise<{ path: string; stats: Record<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-full-"));
  dirs.push(dir);
  const path = join(dir, "decisions.jsonl");
  const child = startChildScript(SCRIPT, [path]);
  try {
    const { flushed, size, pid } = (await child.next()) as { flushed: string; size: number; pid: number };
    expect(flushed).toBe("written");
    limitFileSize(pid, squeeze(path, size));
    child.go();
    expect(await child.next()).toEqual({ flushed: "DecisionLogWriteError" });
    limitFileSize(pid);
    child.go();
    const last = (await child.next()) as { flushed: string; stats: Record<string, number> };
    expect(last.flushed).toBe("written");
    return { path, stats: last.stats };
  } finally {
    await child.stop();
  }
}

describe("the decision log on a disk that fills mid-write, then frees space", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("drops the batch it could not write without leaving half a line, and the log still parses", async () => {
    // Room for a few hundred more bytes: the next batch (~256 lines) is cut short mid-line.
    const { path, stats } = await fillMidWrite(dirs, (_, size) => size + 300);
    expect(stats).toMatchObject({ written: 100, dropped: 300 });
    expect([...parseDecisionLog(readFileSync(path, "utf8"), path)]).toHaveLength(100);
  });

  it("cuts back from the file's end, not to its own count, when the log was truncated under it (copytruncate)", async () => {
    // logrotate's copytruncate: the file is emptied under the open writer; then the disk fills mid-write.
    const { path } = await fillMidWrite(dirs, (file) => {
      truncateSync(file, 0);
      return 300;
    });
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain("\u0000");
    expect([...parseDecisionLog(text, path)]).toHaveLength(50);
  });
});
