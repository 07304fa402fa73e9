// How long save() takes, and how long it holds up the event loop, with many decisions awaiting
// feedback: their records are part of every snapshot. Run from the root, after
// `pnpm --filter @aurora/bench build`: node bench/dist/save-pending.js (PENDING=… to change the
// count; default 30,000). Five saves, each timed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { RoutingEngine } from "@aurora/engine";
import { CONSTRAINTS, contextOf, providers as marketOf } from "./market.js";

const PENDING = Number(process.env.PENDING ?? 30_000);
const providers = marketOf(10);
const dir = mkdtempSync(join(tmpdir(), "aurora-save-pending-"));
const engine = new RoutingEngine({
  seed: 7,
  maxPending: PENDING,
  modelPath: join(dir, "model.json"),
  autoSave: false,
  log: () => {},
});
for (let i = 0; i < PENDING; i++) {
  engine.decide({ context: contextOf(i % 50), providers, constraints: CONSTRAINTS });
}
const saves: string[] = [];
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
