// How long save() takes, and how long it holds up the event loop, with many decisions awaiting
// feedback: their records are part of every snapshot. Run: node bench/save-pending.mjs
// (PENDING=… to change the count; default 30,000). Five saves, each timed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { RoutingEngine } from "../dist/index.js";

const PENDING = Number(process.env.PENDING ?? 30_000);
const providers = Array.from({ length: 10 }, (_, i) => ({
  provider_id: `provider-${i}`,
  price_usd_per_hour: 1.5 + (i % 5) * 0.4,
  latency_ms: 60 + ((i * 37) % 200),
  reputation: 70 + ((i * 7) % 30),
  capacity_available: 100,
  gpu_types: ["a100", "h100"],
  regions: ["us-west", "eu-central"],
}));
const dir = mkdtempSync(join(tmpdir(), "aurora-save-pending-"));
const engine = new RoutingEngine({
  seed: 7,
  maxPending: PENDING,
  modelPath: join(dir, "model.json"),
  autoSave: false,
  log: () => {},
});
for (let i = 0; i < PENDING; i++) {
  const context = { workload_type: "llm", gpu_type: "a100", region: `r${i % 50}`, gpu_hours: 1 };
  engine.decide({ context, providers, constraints: { max_price: 3.2 } });
}
const saves = [];
for (let round = 0; round < 5; round++) {
  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  const started = performance.now();
  await engine.save();
  const ms = performance.now() - started;
  histogram.disable();
  saves.push(`${Math.round(ms)} ms (longest stall ${Math.round(histogram.max / 1e6)} ms)`);
}
console.log(`${PENDING} pending decisions, save(): ${saves.join(", ")}`);
await engine.close();
rmSync(dir, { recursive: true, force: true });
