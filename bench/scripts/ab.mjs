// Two builds of @aurora/engine, A and B, in one process, measured in alternating rounds, so that the
// noise of a shared machine falls on both alike. Reports CPU µs per decide+feedback pair (median of
// the rounds) and the median of B's CPU time over A's, round by round.
//
//   node bench/scripts/ab.mjs <A engine package dir> <B engine package dir> [rounds=16] [durable]
//   N=100 node bench/scripts/ab.mjs …   # providers (default 10)
//
// A package dir is packages/engine of a built clone (e.g. `git clone . /tmp/base && cd /tmp/base &&
// git checkout <commit> && pnpm install && pnpm -r build`). Pairs are issued as 256 clients would:
// a pair starts whenever fewer than 256 feedbacks await their acknowledgement. With `durable`,
// each engine has a file store (fsync "always") in a temporary folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) {
  console.error("usage: node bench/scripts/ab.mjs <A engine dir> <B engine dir> [rounds] [durable]");
  process.exit(2);
}
const rounds = Number(process.argv[4] ?? 16);
const durable = process.argv[5] === "durable";
const count = Number(process.env.N ?? 10);
const providers = Array.from({ length: count }, (_, i) => ({
  provider_id: `provider-${i}`,
  price_usd_per_hour: 1.5 + (i % 5) * 0.4,
  latency_ms: 60 + ((i * 37) % 200),
  reputation: 70 + ((i * 7) % 30),
  capacity_available: 100,
  gpu_types: ["a100", "h100"],
  regions: ["us-west", "eu-central"],
}));
const constraints = { max_price: 3.2, max_latency_ms: 300, min_reputation: 75 };
const contexts = Array.from({ length: 10 }, (_, s) => ({
  workload_type: "llm_inference",
  gpu_type: "a100",
  region: `r${s}`,
  gpu_hours: 1,
}));
const success = (id) => ({ decision_id: id, success: true, actual_cost_usd: 4.2, actual_latency_ms: 118, actual_reputation: 90 });
const folders = [];

async function make(dir) {
  const { RoutingEngine } = await import(join(dir, "dist/index.js"));
  const options = { seed: 7, log: () => {} };
  if (durable) {
    const folder = mkdtempSync(join(tmpdir(), "aurora-ab-"));
    folders.push(folder);
    options.modelPath = join(folder, "model.json");
  }
  return new RoutingEngine(options);
}

let next = 0;
async function pairs(engine, total, inFlight = 256) {
  let waiting = 0;
  let wake;
  const acknowledged = () => {
    waiting--;
    if (wake) {
      const resume = wake;
      wake = undefined;
      resume();
    }
  };
  for (let k = 0; k < total; k++) {
    if (waiting >= inFlight) await new Promise((resolve) => (wake = resolve));
    const id = engine.decide({ context: contexts[next++ % contexts.length], providers, constraints }).metadata.decision_id;
    waiting++;
    engine.feedback(success(id)).then(acknowledged, (error) => {
      console.error(error);
      process.exit(1);
    });
  }
  while (waiting > 0) await new Promise((resolve) => (wake = resolve));
}

const engines = [await make(dirA), await make(dirB)];
const perRound = Math.round(((durable ? 20_000 : 100_000) * 10) / count);
for (const engine of engines) await pairs(engine, 2 * perRound); // warm-up
const cpu = [[], []];
for (let r = 0; r < rounds; r++) {
  for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
    const start = process.cpuUsage();
    await pairs(engines[i], perRound);
    const used = process.cpuUsage(start);
    cpu[i].push((used.user + used.system) / perRound);
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const ratio = median(cpu[0].map((a, k) => cpu[1][k] / a));
console.log(
  `${count} providers${durable ? ", durable" : ""}: A ${median(cpu[0]).toFixed(2)} CPU µs/pair, B ${median(cpu[1]).toFixed(2)}; ` +
    `B/A median ratio ${ratio.toFixed(3)} over ${rounds} rounds`,
);
for (const engine of engines) await engine.close();
for (const folder of folders) rmSync(folder, { recursive: true, force: true });
