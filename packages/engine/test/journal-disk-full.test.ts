import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RoutingEngine } from "../src/index.js";
import { ENGINE_INDEX, LINE_PROTOCOL, limitFileSize, startChildScript } from "./child-script.js";

/**
 * A disk that fills and then frees space: the journal's write fails, the feedback is refused as not
 * durable, and once space is back the journal's retry writes the record again. That record must be
 * fsync'd and the store must report ready again by itself, with no new feedback needed to nudge it.
 * The kernel refuses the writes: the built engine runs in a real child process whose file-size limit
 * (RLIMIT_FSIZE) the test lowers to the journal's current size with `prlimit`, then lifts.
 */
const SCRIPT = `${LINE_PROTOCOL}
import { statSync } from "node:fs";
const { RoutingEngine } = await import(${JSON.stringify(ENGINE_INDEX)});
const engine = new RoutingEngine({ modelPath: process.argv[1], seed: 1, saveEvery: 100000, log: () => {} });
const providers = [{ provider_id: "p", price_usd_per_hour: 1, latency_ms: 50, reputation: 90, available: true }];
const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const outcome = (decision) => ({ decision_id: decision.metadata.decision_id, success: true, actual_cost_usd: 1, actual_latency_ms: 50 });
for (let i = 0; i < 5; i++) await engine.feedback(outcome(engine.decide({ context, providers })));
const last = engine.decide({ context, providers });
await new Promise((resolve) => setTimeout(resolve, 50));
say({ pid: process.pid, size: statSync(process.argv[1] + ".journal/" + process.argv[2]).size });
await lines.next();
let refused = null;
try {
  await engine.feedback(outcome(last));
} catch (error) {
  refused = error.name;
}
say({ refused, ready: engine.getStatus().store.ready });
await lines.next();
await new Promise((resolve) => setTimeout(resolve, 500));
say({ ready: engine.getStatus().store.ready, last_error: engine.getStatus().store.last_error });
process.exit(0);
`;

describe("the journal on a disk that fills, then frees space", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("writes the refused record again once it can, fsyncs it, and reports ready again without further feedback", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-disk-full-"));
    dirs.push(dir);
    const modelPath = join(dir, "model.json");
    const child = startChildScript(SCRIPT, [modelPath, "00000001.log"]);
    try {
      const { pid, size } = (await child.next()) as { pid: number; size: number };
      // Any write past the journal's present size now fails with EFBIG.
      limitFileSize(pid, size);
      child.go();
      expect(await child.next()).toEqual({ refused: "FeedbackNotDurableError", ready: false });
      limitFileSize(pid);
      child.go();
      expect(await child.next()).toEqual({ ready: true, last_error: null });
    } finally {
      await child.stop();
    }
    // The outcome refused as not durable was learned in memory and, written again, is on disk.
    const reopened = new RoutingEngine({ modelPath, log: () => {} });
    expect(reopened.getStatus().executor.total_outcomes).toBe(6);
    await reopened.close();
  });
});
