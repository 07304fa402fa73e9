import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ENGINE_INDEX } from "./child-script.js";

/**
 * Background snapshots must not make the event loop wait for the disk: with the default file store
 * an engine under load snapshots every few hundred decisions, and a synchronous fsync or unlink
 * there stalls every request in flight. Node's `--trace-sync-io` names each synchronous I/O call
 * made after the first tick; the built engine runs in a real child process with it on.
 */
const SCRIPT = `
import { RoutingEngine } from ${JSON.stringify(ENGINE_INDEX)};
import { join } from "node:path";
const engine = new RoutingEngine({ modelPath: join(process.argv[1], "model.json"), seed: 1, saveEvery: 10, minCompactBytes: 0, log: () => {} });
// Opening the model (its lock, its first files) is synchronous on purpose, before any request.
console.error("--- running ---");
const providers = Array.from({ length: 10 }, (_, i) => ({
  provider_id: "p" + i, price_usd_per_hour: 1 + i / 10, latency_ms: 50 + i, reputation: 80 + i, available: true,
}));
await new Promise((resolve) => setTimeout(resolve, 10));
for (let i = 0; i < 3000; i += 50) {
  const acks = [];
  for (let k = 0; k < 50; k++) {
    const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 + ((i + k) % 10) };
    const id = engine.decide({ context, providers }).metadata.decision_id;
    acks.push(engine.feedback({ decision_id: id, success: true, actual_cost_usd: 1, actual_latency_ms: 60 }));
  }
  await Promise.all(acks);
}
console.error("--- closing ---");
console.log(JSON.stringify({ snapshots: engine.getStatus().store.snapshot_version }));
await engine.close();
`;

describe("background snapshots of the file store", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("never fsync or unlink on the event loop while decisions and feedback flow", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-sync-io-"));
    dirs.push(dir);
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--trace-sync-io", "--input-type=module", "-e", SCRIPT, dir],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const { snapshots } = JSON.parse(stdout) as { snapshots: number };
    // Enough snapshots that each part of one (temp file, receipt, rename, directory, old segments) ran many times.
    expect(snapshots).toBeGreaterThanOrEqual(5);
    const running = stderr.slice(stderr.indexOf("--- running ---"), stderr.indexOf("--- closing ---"));
    // Each warning is followed by its stack; the first frame is the synchronous call itself.
    const calls = [...running.matchAll(/Detected use of sync API\s+at (\S+)/g)].map((match) => match[1]);
    expect(calls.length).toBeGreaterThan(0); // the journal's page-cache writes are synchronous on purpose
    expect(calls.filter((call) => /^(fsyncSync|fdatasyncSync|unlinkSync|rmSync|renameSync)$/.test(call ?? ""))).toEqual([]);
  });
});
