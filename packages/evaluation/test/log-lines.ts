import type { ProviderInput } from "@aurora/domain";
import type { DecisionLogLineInput } from "../src/decision-log-line.js";

export const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };

export function provider(id: string, extra: Partial<ProviderInput> = {}): ProviderInput {
  return {
    provider_id: id,
    price_usd_per_hour: 2.5,
    latency_ms: 120,
    reputation: 95,
    gpu_types: ["a100"],
    regions: ["us-west"],
    ...extra,
  };
}

/** A valid line: "a" chosen from ["a", "b"] with probability 0.8, reward 7.5. */
export function logLine(overrides: Partial<DecisionLogLineInput> = {}): DecisionLogLineInput {
  return {
    decision_id: "d1",
    timestamp: "2025-01-31T12:00:00.000Z",
    state_key: "llm_inference:a100:us-west",
    context,
    candidates: [provider("a"), provider("b", { price_usd_per_hour: 1.5 })],
    chosen: "a",
    propensity: 0.8,
    policy: "q-learning",
    mode: "exploit",
    psi_density: null,
    reward: 7.5,
    resolution: "feedback",
    outcome: { success: true, actual_cost_usd: 5, actual_latency_ms: 120 },
    ...overrides,
  };
}

export const toJsonl = (lines: readonly unknown[]): string => `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
