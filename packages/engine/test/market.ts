import type { ProviderInput } from "@aurora/domain";

/** A small fixed market for engine tests. */
export const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };

export function provider(id: string, extra: Partial<ProviderInput> = {}): ProviderInput {
  return {
    provider_id: id,
    price_usd_per_hour: 2.5,
    latency_ms: 120,
    reputation: 95,
    capacity_available: 100,
    gpu_types: ["a100", "t4"],
    regions: ["us-west", "eu-central"],
    ...extra,
  };
}

export function market(n: number): ProviderInput[] {
  return Array.from({ length: n }, (_, i) =>
    provider(`p${i}`, { price_usd_per_hour: 1 + (i % 5) * 0.5, latency_ms: 50 + i * 10, reputation: 70 + (i % 4) * 8 }),
  );
}

/** An outcome for `decision_id`, varied by `i`: every fifth fails, costs and latencies cycle. */
export const variedOutcome = (decision_id: string, i = 0) => ({
  decision_id,
  success: i % 5 !== 0,
  actual_cost_usd: 1 + (i % 4),
  actual_latency_ms: 80 + i,
  actual_reputation: 90,
});
