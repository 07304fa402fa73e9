import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { RoutingEngine } from "../src/index.js";
import { ENGINE_INDEX } from "./child-script.js";

/**
 * A model folder this process may read but not write (a read-only mount, a volume owned by another
 * user): the engine cannot take the lock or append, so it refuses feedback and reports not ready,
 * but it must serve the model the folder holds, not an empty one. The built engine runs in a real
 * child process; as root (whom permissions do not stop) the child drops to user `nobody` once it
 * has loaded the engine (the checkout may sit in a folder only root can enter).
 */
const SCRIPT = `
const { RoutingEngine } = await import(${JSON.stringify(ENGINE_INDEX)});
if (process.getuid() === 0) { process.setgid(65534); process.setuid(65534); }
const logs = [];
const engine = new RoutingEngine({ modelPath: process.argv[1], seed: 1, policy: { kind: "q-learning", epsilon: 0 }, log: (m) => logs.push(m) });
const trail = engine.getAuditTrail({ limit: Infinity }).map((entry) => entry.decision_id);
const providers = ["bad", "good"].map((id) => ({ provider_id: id, price_usd_per_hour: 1, latency_ms: 50, reputation: 90, available: true }));
const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const decision = engine.decide({ context, providers });
const outcomes = engine.getStatus().executor.total_outcomes;
let feedback = "accepted";
try {
  await engine.feedback({ decision_id: decision.metadata.decision_id, success: true, actual_cost_usd: 1, actual_latency_ms: 50 });
} catch (error) {
  feedback = error.name;
}
const status = engine.getStatus();
const closed = await engine.close().then(() => "closed", (error) => error.code);
console.log(JSON.stringify({ chosen: decision.provider_id, outcomes, ready: status.store.ready, feedback, logs, trail, closed }));
`;

function listing(dir: string): string {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .sort()
    .map((name) => `${name} ${statSync(join(dir, name)).size} ${statSync(join(dir, name)).mtimeMs}`)
    .join("\n");
}

describe("a model folder the engine cannot write", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("serves the model it holds (snapshot, journal, audit trail), refuses feedback, reports not ready, and changes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-read-only-"));
    dirs.push(dir);
    const modelPath = join(dir, "model.json");
    const engine = new RoutingEngine({
      modelPath,
      seed: 1,
      policy: { kind: "q-learning", epsilon: 0 },
      saveEvery: 25,
      log: () => {},
    });
    const providers = ["bad", "good"].map((id) => ({
      provider_id: id,
      price_usd_per_hour: 1,
      latency_ms: 50,
      reputation: 90,
      available: true,
    }));
    const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
    // 40 outcomes: a snapshot after 25 decisions, the rest only in the journal. "bad" always fails.
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const provider = i % 2 === 0 ? "bad" : "good";
      const decision = engine.decide({ context, providers: providers.filter((p) => p.provider_id === provider) });
      ids.push(decision.metadata.decision_id);
      await engine.feedback({
        decision_id: decision.metadata.decision_id,
        success: provider === "good",
        actual_cost_usd: 1,
        actual_latency_ms: 50,
      });
    }
    await engine.close();
    const before = listing(dir);
    expect(readFileSync(modelPath, "utf8")).toContain("good");

    const writable = process.getuid?.() === 0 ? 0o755 : 0o555;
    for (const entry of [dir, ...readdirSync(dir, { recursive: true }).map((name) => join(dir, String(name)))]) {
      if (statSync(entry).isDirectory()) chmodSync(entry, writable);
    }
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", SCRIPT, modelPath]);
      const seen = JSON.parse(stdout) as {
        chosen: string;
        outcomes: number;
        ready: boolean;
        feedback: string;
        logs: string[];
        trail: string[];
        closed: string;
      };
      expect(seen.outcomes).toBe(40);
      expect(seen.trail).toEqual(ids.reverse());
      expect(seen.chosen).toBe("good");
      expect(seen.ready).toBe(false);
      expect(seen.feedback).toBe("FeedbackNotDurableError");
      // Closing cannot save the model there: a typed error, not the file system's EACCES.
      expect(seen.closed).toBe("MODEL_FILE");
      expect(seen.logs.join("\n")).toMatch(/serving the model as it is there, read-only/);
    } finally {
      for (const entry of [dir, ...readdirSync(dir, { recursive: true }).map((name) => join(dir, String(name)))]) {
        if (statSync(entry).isDirectory()) chmodSync(entry, 0o755);
      }
    }
    expect(listing(dir)).toBe(before);
  });

  it("refuses to start, naming the model file, when it cannot read the folder either", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-unreadable-"));
    dirs.push(dir);
    const modelPath = join(dir, "model.json");
    const engine = new RoutingEngine({ modelPath, seed: 1, log: () => {} });
    await engine.close();
    const opener = `
const { RoutingEngine } = await import(${JSON.stringify(ENGINE_INDEX)});
if (process.getuid() === 0) { process.setgid(65534); process.setuid(65534); }
try {
  new RoutingEngine({ modelPath: process.argv[1], log: () => {} });
  console.log(JSON.stringify({ started: true }));
} catch (error) {
  console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }));
}
`;
    chmodSync(dir, process.getuid?.() === 0 ? 0o700 : 0o000);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", opener, modelPath]);
      const seen = JSON.parse(stdout) as { name: string; code: string; message: string };
      expect(seen.code).toBe("MODEL_FILE");
      expect(seen.message).toContain(modelPath);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});
