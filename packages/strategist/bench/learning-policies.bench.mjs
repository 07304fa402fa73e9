// choose + update pairs/s of every learning policy, 10 providers, on the built package (`pnpm build` first).
// Usage: node bench/learning-policies.bench.mjs [pairs] [kind…]
import { createRng } from "@aurora/domain";
import { createPolicy } from "../dist/index.js";

const pairs = Number(process.argv[2] ?? 50_000);
const kinds =
  process.argv.length > 3
    ? process.argv.slice(3)
    : ["q-learning", "ucb1", "thompson", "softmax", "lin-ucb", "lin-thompson", "linear-value"];

const candidates = Array.from({ length: 10 }, (_, i) => ({
  provider_id: `provider-${i}`,
  price_usd_per_hour: 1 + i / 10,
  latency_ms: 100 + i,
  reputation: 90 - i,
  gpu_types: ["a100"],
  regions: [],
}));
// 100 states: 5 workloads × 20 regions.
const contexts = [];
for (const workload of ["llm_inference", "training", "rendering", "batch", "fine_tuning"]) {
  for (let r = 0; r < 20; r++)
    contexts.push({ workload_type: workload, gpu_type: "a100", region: `region-${r}`, gpu_hours: 1 + (r % 4) / 2 });
}
const stateKeys = contexts.map((c) => `${c.workload_type}:${c.gpu_type}:${c.region}`);

for (const kind of kinds) {
  const policy = createPolicy({ kind }, { rng: createRng(1) });
  const outcomes = createRng(2);
  const run = (n) => {
    for (let i = 0; i < n; i++) {
      const at = i % contexts.length;
      const context = contexts[at];
      const stateKey = stateKeys[at];
      const choice = policy.choose({ stateKey, context, candidates, psiDensity: 0.5 });
      const provider = candidates[choice.index];
      const success = outcomes() >= 0.02 + choice.index / 100;
      const cost = provider.price_usd_per_hour * context.gpu_hours;
      const reward = success ? -cost - 0.2 + provider.reputation / 100 + 10 : -20;
      policy.update({
        stateKey,
        context,
        provider,
        reward,
        outcome: { success, actual_cost_usd: success ? cost : 0, actual_latency_ms: 100 },
      });
    }
  };
  run(Math.min(pairs, 5_000)); // warm-up
  const start = process.hrtime.bigint();
  run(pairs);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${kind.padEnd(13)} ${Math.round(pairs / seconds)
      .toLocaleString("en")
      .padStart(10)} choose+update pairs/s (10 providers, 100 states)`,
  );
}
