// Memory when provider ids keep changing (leases, instance ids), on the built package (`pnpm build` first):
//   node --expose-gc bench/provider-churn.bench.mjs [requests=40] [providers=7000] [kind…]
// For each kind, in a child process of its own: a fresh policy chooses among `providers` ids never
// seen before, `requests` times, one state, learning one reward each time. Printed: the heap and
// array buffers the policy holds after a full GC, the process's RSS, and the seconds it took.
// Q-learning keeps a column per provider ever seen; `maxProviders` (10,000) bounds them.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createRng } from "@aurora/domain";
import { createPolicy } from "../dist/index.js";

if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc");
  process.exit(2);
}
const one = process.argv[2] === "--one";
const args = one ? process.argv.slice(3) : process.argv.slice(2);
const requests = Number(args[0] ?? 40);
const providers = Number(args[1] ?? 7_000);
const kinds =
  args.length > 2 ? args.slice(2) : ["q-learning", "ucb1", "thompson", "softmax", "lin-ucb", "lin-thompson", "linear-value"];
const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const stateKey = "llm_inference:a100:us-west";

if (one) {
  const policy = createPolicy({ kind: kinds[0] }, { rng: createRng(1) });
  globalThis.gc();
  const before = process.memoryUsage();
  const started = process.hrtime.bigint();
  let next = 0;
  for (let r = 0; r < requests; r++) {
    const candidates = Array.from({ length: providers }, () => ({
      provider_id: `lease-${next++}`,
      price_usd_per_hour: 1 + (next % 7) / 10,
      latency_ms: 50,
      reputation: 90,
      gpu_types: ["a100"],
      regions: ["us-west"],
    }));
    const choice = policy.choose({ stateKey, context, candidates });
    const outcome = { decision_id: `d${r}`, success: true, actual_cost_usd: 1, actual_latency_ms: 50 };
    policy.update({ stateKey, context, provider: candidates[choice.index], reward: 8, outcome });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  globalThis.gc();
  const after = process.memoryUsage();
  const held = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
  console.log(JSON.stringify({ kind: kinds[0], heldMB: held / 1e6, rssMB: after.rss / 1e6, seconds }));
  process.exit(0);
}

console.log(`${requests} requests × ${providers} new provider ids, one state`);
console.log("| kind | held (MB) | RSS (MB) | seconds |");
console.log("| --- | ---: | ---: | ---: |");
for (const kind of kinds) {
  const out = execFileSync(
    process.execPath,
    ["--expose-gc", fileURLToPath(import.meta.url), "--one", String(requests), String(providers), kind],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(out);
  console.log(`| \`${kind}\` | ${r.heldMB.toFixed(1)} | ${r.rssMB.toFixed(0)} | ${r.seconds.toFixed(2)} |`);
}
