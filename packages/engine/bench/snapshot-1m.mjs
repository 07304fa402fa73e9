// How long a snapshot of a big model holds up the event loop: 1,000,000 Q-states (5 providers each)
// through the file store. Run: node --expose-gc bench/snapshot-1m.mjs (STATES=… to change the size;
// TO_JSON=1 takes the copy with toJSON(), as before the policy's snapshot()).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Strategist } from "@aurora/strategist";
import { FileStore } from "../dist/index.js";

const STATES = Number(process.env.STATES ?? 1_000_000);
const policy = new Strategist({ rng: () => 0.5 });
for (let s = 0; s < STATES; s++) {
  for (let p = 0; p < 5; p++) policy.updateQValue(`w${s % 97}:g${s % 13}:r${s}`, `provider-${p}`, (s % 17) - p);
}
const dir = mkdtempSync(join(tmpdir(), "aurora-snapshot-bench-"));
const store = new FileStore({ path: join(dir, "model.json"), log: () => {} });
store.openSync();
const histogram = monitorEventLoopDelay({ resolution: 5 });
let takeMs = 0;
histogram.enable();
const started = performance.now();
await store.snapshot(() => {
  const t = performance.now();
  const value = { ...(process.env.TO_JSON ? policy.toJSON() : policy.snapshot()), pending: [] };
  takeMs = performance.now() - t;
  return value;
});
const totalMs = performance.now() - started;
histogram.disable();
const bytes = statSync(join(dir, "model.json")).size;
console.log(
  `${STATES} states, ${Math.round(bytes / 1048576)} MB snapshot: take (${process.env.TO_JSON ? "toJSON, " : ""}synchronous) ${Math.round(takeMs)} ms; ` +
    `whole snapshot ${Math.round(totalMs)} ms; longest event-loop stall ${Math.round(histogram.max / 1e6)} ms, ` +
    `p99 ${Math.round(histogram.percentile(99) / 1e6)} ms`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
