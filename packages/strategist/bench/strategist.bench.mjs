// Throughput and memory of the Q-learning policy, on the built package (`pnpm build` first).
// Usage: node --expose-gc bench/strategist.bench.mjs [pairs] [states]
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "@aurora/domain";
import { Strategist } from "../dist/index.js";

const pairs = Number(process.argv[2] ?? 2_000_000);
const memoryStates = Number(process.argv[3] ?? 1_000_000);

const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const candidates = Array.from({ length: 10 }, (_, i) => ({
  provider_id: `provider-${i}`,
  price_usd_per_hour: 1 + i / 10,
  latency_ms: 100 + i,
  reputation: 90,
  gpu_types: ["a100"],
  regions: ["us-west"],
}));
const workloads = ["llm_inference", "training", "rendering", "batch", "fine_tuning"];
const gpus = ["a100", "h100", "t4", "l4", "a10g", "v100", "rtx4090", "mi300"];
const regions = Array.from({ length: 25 }, (_, i) => `region-${i}`);
// 1,000 distinct states, keys built the way the engine builds them.
const stateKeys = [];
for (const w of workloads) for (const g of gpus) for (const r of regions) stateKeys.push(`${w}:${g}:${r}`);

function throughput() {
  const strategist = new Strategist({ rng: createRng(1) });
  const rewardRng = createRng(2);
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      const stateKey = stateKeys[i % stateKeys.length];
      const choice = strategist.choose({ stateKey, context, candidates, psiDensity: 0.5 });
      strategist.update({ stateKey, context, provider: candidates[choice.index], reward: 8 - choice.index * rewardRng() });
    }
  };
  run(200_000); // warm-up
  const start = process.hrtime.bigint();
  run(pairs);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `choose+update pairs/s (10 providers, ${stateKeys.length} states): ${Math.round(pairs / seconds).toLocaleString("en")}`,
  );
}

function used() {
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function fill(strategist, states) {
  for (let s = 0; s < states; s++) {
    const stateKey = `${workloads[s % 5]}:gpu-${s}:${regions[s % 25]}`;
    const choice = strategist.choose({ stateKey, context, candidates });
    strategist.update({ stateKey, context, provider: candidates[choice.index], reward: 8 - choice.index / 7 });
  }
  return strategist;
}

function memory() {
  if (typeof globalThis.gc !== "function") {
    console.log("memory: run with node --expose-gc to measure");
    return;
  }
  const before = used();
  const strategist = fill(new Strategist({ rng: createRng(3) }), memoryStates);
  const after = used();
  const stats = strategist.stats();
  console.log(
    `memory: ${stats.q_states.toLocaleString("en")} states × 10 providers: ` +
      `${Math.round((after - before) / stats.q_states)} bytes per state (state keys included)`,
  );
}

async function persistence() {
  const strategist = fill(new Strategist({ rng: createRng(4) }), memoryStates);
  const dir = await mkdtemp(join(tmpdir(), "aurora-bench-"));
  try {
    const path = join(dir, "model.json");
    let start = Date.now();
    await strategist.save(path);
    const saveMs = Date.now() - start;
    const { size } = await stat(path);
    start = Date.now();
    await Strategist.load(path);
    const loadMs = Date.now() - start;
    console.log(
      `save / load of ${memoryStates.toLocaleString("en")} states (${Math.round(size / 1e6)} MB): ${saveMs} ms / ${loadMs} ms`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

throughput();
memory();
await persistence();
