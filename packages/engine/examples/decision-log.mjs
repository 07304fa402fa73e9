// Routes 3,000 jobs of a small simulated market through an ε-greedy engine (ε = 0.3, so every
// provider keeps being tried) and writes the decision log for aurora-ope.
//
//   pnpm --filter @aurora/engine build
//   node packages/engine/examples/decision-log.mjs /tmp/decisions.jsonl
//   node packages/evaluation/dist/bin.js --log /tmp/decisions.jsonl --policy always:lambda
import { createRng, RoutingEngine } from "@aurora/engine";

const path = process.argv[2] ?? "decisions.jsonl";
const rng = createRng(7);

// Advertised records, and what the market hides: failure rate and real latency.
const market = [
  { provider_id: "akash", price_usd_per_hour: 1.2, latency_ms: 150, reputation: 80, failure: 0.15, latencyMs: 190 },
  { provider_id: "vast", price_usd_per_hour: 1.9, latency_ms: 120, reputation: 88, failure: 0.04, latencyMs: 130 },
  { provider_id: "lambda", price_usd_per_hour: 2.8, latency_ms: 90, reputation: 97, failure: 0.01, latencyMs: 95 },
];
const providers = market.map(({ failure, latencyMs, ...p }) => ({
  ...p,
  gpu_types: ["a100"],
  regions: ["us-west", "eu-central"],
}));

const engine = new RoutingEngine({
  seed: 1,
  decisionLogPath: path,
  policy: { kind: "q-learning", epsilon: 0.3, epsilonDecay: 1 },
});
for (let i = 0; i < 3000; i++) {
  const context = {
    workload_type: "llm_inference",
    gpu_type: "a100",
    region: rng() < 0.5 ? "us-west" : "eu-central",
    gpu_hours: 0.5 + Math.round(rng() * 250) / 100,
  };
  const { provider_id, metadata } = engine.decide({ context, providers, constraints: { max_price: 3 } });
  const truth = market.find((p) => p.provider_id === provider_id);
  const success = rng() >= truth.failure;
  await engine.feedback({
    decision_id: metadata.decision_id,
    success,
    actual_cost_usd: success ? truth.price_usd_per_hour * context.gpu_hours * (0.9 + 0.2 * rng()) : 0,
    actual_latency_ms: truth.latencyMs * (0.8 + 0.4 * rng()),
  });
}
await engine.close();
console.log(`wrote ${engine.decisionLog.stats().written} decisions to ${path}`);
