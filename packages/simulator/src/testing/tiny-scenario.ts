import type { ScenarioInput } from "../scenario.js";

/**
 * Two providers with no noise, so every number is computable by hand. With the SPEC reward and a
 * 1-GPU-hour job:
 * - steady: never fails; cost 2 × 1 × 1 = 2, latency 100 → 8.7 every time.
 * - cheap: fails half the time; success costs 1, latency 200 → 9.4; expected 0.5 · 9.4 − 0.5 · 20 = −5.3.
 * The rule router prefers cheap (0.35/1 beats 0.35/2); the oracle picks steady.
 */
export function tinyScenario(overrides: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: "tiny",
    decisions: 100,
    providers: [
      {
        provider_id: "steady",
        advertised: { prices: { a100: 2 }, latency_ms: 100, reputation: 90, regions: ["r1"] },
        hidden: { failure_rate: 0, latency_mean_ms: 100, latency_sd_ms: 0, cost_factor: 1, cost_cv: 0 },
      },
      {
        provider_id: "cheap",
        advertised: { prices: { a100: 1 }, latency_ms: 50, reputation: 80, regions: ["r1"] },
        hidden: { failure_rate: 0.5, latency_mean_ms: 200, latency_sd_ms: 0, cost_factor: 1, cost_cv: 0 },
      },
    ],
    tenants: [
      {
        tenant_id: "t",
        regions: ["r1"],
        workloads: [{ workload_type: "llm_inference", gpu_types: ["a100"], gpu_hours: [1, 1] }],
      },
    ],
    ...overrides,
  };
}
