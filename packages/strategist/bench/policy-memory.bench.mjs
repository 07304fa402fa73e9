// Bytes per state each learning policy keeps, on the built package (`pnpm build` first):
//   node --expose-gc bench/policy-memory.bench.mjs [states=100000] [kind…]
// For each kind and for 1, 3 and 10 arms a state, in a child process of its own (so nothing freed
// late from another run is counted): a fresh policy learns one reward for each of that many
// providers in each of `states` states (keys built as the engine builds them, by joining three
// parts), then the heap and array buffers it added, after a full GC, are divided by the states.
// The learning counters' count of states seen is included: every learning policy keeps one.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createRng } from "@aurora/domain";
import { createPolicy } from "../dist/index.js";

if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc");
  process.exit(2);
}
const one = process.argv[2] === "--one";
const states = Number(one ? process.argv[5] : (process.argv[2] ?? 100_000));
const kinds = process.argv.length > 3 ? process.argv.slice(3) : ["ucb1", "thompson", "softmax", "lin-ucb", "linear-value"];
const candidates = Array.from({ length: 10 }, (_, i) => ({
  provider_id: `provider-${i}`,
  price_usd_per_hour: 2 + i / 10,
  latency_ms: 100,
  reputation: 90,
  gpu_types: ["a100"],
  regions: ["us"],
}));
const context = { workload_type: "llm_inference", gpu_type: "a100", region: "r0", gpu_hours: 1 };

function used() {
  globalThis.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Bytes per state a policy of `kind` adds with `arms` arms in each of `states` states. */
function bytesPerState(kind, arms) {
  const before = used();
  const policy = createPolicy({ kind }, { rng: createRng(1) });
  for (let s = 0; s < states; s++) {
    const stateKey = ["llm_inference", "a100", `r${s}`].join(":");
    for (let a = 0; a < arms; a++) policy.update({ stateKey, context, provider: candidates[a], reward: 8 - a / 10 });
  }
  const after = used();
  // The policy must still be alive when `after` is read.
  if (policy.stats().q_states !== states) throw new Error(`${kind}: expected ${states} states`);
  return (after - before) / states;
}

if (one) {
  console.log(bytesPerState(process.argv[3], Number(process.argv[4])));
} else {
  const self = fileURLToPath(import.meta.url);
  const measure = (kind, arms) =>
    Number(
      execFileSync(process.execPath, ["--expose-gc", self, "--one", kind, String(arms), String(states)], { encoding: "utf8" }),
    );
  console.log(`bytes per state, ${states.toLocaleString("en-US")} states (heap + array buffers after a full GC)`);
  console.log("kind            1 arm   3 arms  10 arms");
  for (const kind of kinds) {
    const figures = [1, 3, 10].map((arms) => measure(kind, arms).toFixed(0).padStart(7));
    console.log(`${kind.padEnd(14)}${figures.join(" ")}`);
  }
}
