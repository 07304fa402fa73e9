import type { ConstraintsInput, ContextInput, ProviderInput } from "@aurora/domain";

/** The sidecar bench's market: prices 1.5–3.1, latencies 60–259 ms; reputations 70–99, so some violate. */
export function providers(count: number): ProviderInput[] {
  return Array.from({ length: count }, (_, i) => ({
    provider_id: `provider-${i}`,
    price_usd_per_hour: 1.5 + (i % 5) * 0.4,
    latency_ms: 60 + ((i * 37) % 200),
    reputation: 70 + ((i * 7) % 30),
    capacity_available: 100,
    gpu_types: ["a100", "h100"],
    regions: ["us-west", "eu-central"],
  }));
}

/** Every request carries constraints: validation and auditing are on in every figure. */
export const CONSTRAINTS: ConstraintsInput = { max_price: 3.2, max_latency_ms: 300, min_reputation: 75 };

export function contextOf(state: number): ContextInput {
  return { workload_type: "llm_inference", gpu_type: "a100", region: `r${state}`, gpu_hours: 1 };
}

/** The state key `contextOf(state)` gives, as the engine builds it. */
export function stateKeyOf(state: number): string {
  return `llm_inference:a100:r${state}`;
}

/**
 * The contexts requests cycle through: every state when there are at most `size`, else `size`
 * states drawn uniformly (the table still holds all of them), in a shuffled order.
 */
export function contextPool(states: number, size = 65_536): ContextInput[] {
  let seed = 0x9e3779b9;
  const next = () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return seed / 2 ** 32;
  };
  const picked =
    states <= size
      ? Array.from({ length: states }, (_, s) => s)
      : Array.from({ length: size }, () => Math.floor(next() * states));
  for (let i = picked.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [picked[i], picked[j]] = [picked[j] as number, picked[i] as number];
  }
  return picked.map(contextOf);
}
