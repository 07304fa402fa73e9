// How long a snapshot of a big model holds up the event loop: 1,000,000 Q-states (5 providers each)
// through the file store. Run: node --expose-gc bench/snapshot-1m.mjs (STATES=… to change the size;
// TO_JSON=1 takes the copy with toJSON(), as before the policy's snapshot()). POLICY=ucb1 (or
// thompson, softmax, or a composite's JSON config) fills that policy instead, three jobs per state
// (default then 100,000 states: filling through choose and update is slower).
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { createPolicy, Strategist } from "@aurora/strategist";
import { FileStore } from "../dist/index.js";

const KIND = process.env.POLICY ?? "q-learning";
const STATES = Number(process.env.STATES ?? (KIND === "q-learning" ? 1_000_000 : 100_000));
const policy =
  KIND === "q-learning"
    ? new Strategist({ rng: () => 0.5 })
    : fill(createPolicy(KIND.startsWith("{") ? JSON.parse(KIND) : { kind: KIND }));
if (KIND === "q-learning") {
  for (let s = 0; s < STATES; s++) {
    for (let p = 0; p < 5; p++) policy.updateQValue(`w${s % 97}:g${s % 13}:r${s}`, `provider-${p}`, (s % 17) - p);
  }
}

function fill(learner) {
  const candidates = Array.from({ length: 5 }, (_, p) => ({
    provider_id: `provider-${p}`,
    price_usd_per_hour: 1 + p / 2,
    latency_ms: 60 + 20 * p,
    reputation: 90 - p,
    capacity_available: null,
    gpu_types: ["a100"],
    regions: ["us-west"],
  }));
  for (let s = 0; s < STATES; s++) {
    const context = { workload_type: `w${s % 97}`, gpu_type: "a100", region: `r${s}`, gpu_hours: 1 };
    const stateKey = `w${s % 97}:a100:r${s}`;
    for (let k = 0; k < 3; k++) {
      const choice = learner.choose({ stateKey, context, candidates });
      const success = (s + k) % 9 !== 0;
      const outcome = { success, actual_cost_usd: 2, actual_latency_ms: 100 };
      const tag = choice.tag === undefined ? {} : { tag: choice.tag };
      learner.update({ stateKey, context, provider: candidates[choice.index], reward: success ? 7 : -20, outcome, ...tag });
    }
  }
  return learner;
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
  const value = { ...(process.env.TO_JSON || !policy.snapshot ? policy.toJSON() : policy.snapshot()), pending: [] };
  takeMs = performance.now() - t;
  return value;
});
const totalMs = performance.now() - started;
histogram.disable();
const bytes = statSync(join(dir, "model.json")).size;
console.log(
  `${KIND}, ${STATES} states, ${Math.round(bytes / 1048576)} MB snapshot: take (${process.env.TO_JSON ? "toJSON, " : ""}synchronous) ${Math.round(takeMs)} ms; ` +
    `whole snapshot ${Math.round(totalMs)} ms; longest event-loop stall ${Math.round(histogram.max / 1e6)} ms, ` +
    `p99 ${Math.round(histogram.percentile(99) / 1e6)} ms`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
