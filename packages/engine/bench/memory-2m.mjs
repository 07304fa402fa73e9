// RSS over 2,000,000 decide+feedback pairs with the file store (journal, group commit, background
// snapshots). Run: pnpm --filter @aurora/engine bench:memory  (PAIRS=… to change the count).
// Prints one line per 100,000 pairs and a summary; exits 1 if RSS grew more than ALLOWED_GROWTH_MB
// between the first and the last quarter of the run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RoutingEngine } from "../dist/index.js";

const PAIRS = Number(process.env.PAIRS ?? 2_000_000);
const IN_FLIGHT = 256;
const ALLOWED_GROWTH_MB = Number(process.env.ALLOWED_GROWTH_MB ?? 64);
const dir = mkdtempSync(join(tmpdir(), "aurora-memory-bench-"));
const engine = new RoutingEngine({ modelPath: join(dir, "model.json"), seed: 1, saveEvery: 1_000, log: () => {} });

const regions = ["us-west", "us-east", "eu-central", "ap-south"];
const workloads = ["llm_inference", "training", "rendering", "batch"];
const gpus = ["a100", "h100", "t4"];
const providers = Array.from({ length: 10 }, (_, i) => ({
  provider_id: `p${i}`,
  price_usd_per_hour: 1 + (i % 5) * 0.5,
  latency_ms: 50 + i * 10,
  reputation: 70 + (i % 4) * 8,
  gpu_types: gpus,
  regions,
}));

const samples = [];
const mb = (bytes) => Math.round(bytes / 1048576);
const started = Date.now();
let inFlight = [];
for (let i = 1; i <= PAIRS; i++) {
  const context = {
    workload_type: workloads[i % 4],
    gpu_type: gpus[i % 3],
    region: regions[(i >> 2) % 4],
    gpu_hours: 1 + (i % 3),
  };
  const { metadata } = engine.decide({ context, providers });
  inFlight.push(
    engine.feedback({
      decision_id: metadata.decision_id,
      success: i % 9 !== 0,
      actual_cost_usd: 1 + (i % 7),
      actual_latency_ms: 60 + (i % 90),
    }),
  );
  if (inFlight.length >= IN_FLIGHT) {
    await Promise.all(inFlight);
    inFlight = [];
  }
  if (i % 100_000 === 0) {
    await Promise.all(inFlight);
    inFlight = [];
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    samples.push(rss);
    const status = engine.getStatus();
    console.log(
      `${String(i).padStart(9)} pairs  rss ${String(mb(rss)).padStart(4)} MB  heap ${String(mb(heapUsed)).padStart(4)} MB  ` +
        `snapshot v${status.store.snapshot_version}  ${Math.round(i / ((Date.now() - started) / 1000))} pairs/s`,
    );
  }
}
await Promise.all(inFlight);
await engine.close();
rmSync(dir, { recursive: true, force: true });
const quarter = Math.max(1, Math.floor(samples.length / 4));
const early = Math.max(...samples.slice(0, quarter));
const late = Math.max(...samples.slice(-quarter));
console.log(
  `summary: ${PAIRS} pairs in ${Math.round((Date.now() - started) / 1000)} s; max RSS first quarter ${mb(early)} MB, last quarter ${mb(late)} MB, growth ${mb(late - early)} MB`,
);
process.exit(late - early > ALLOWED_GROWTH_MB * 1048576 ? 1 : 0);
