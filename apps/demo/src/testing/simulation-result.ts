import type { RouterResult, ScenarioInput, SimulationResult } from "@aurora/simulator";

/** A router's result with round numbers, for tests of what the demo does with results. */
export function routerResult(name: string, overrides: Partial<RouterResult> = {}): RouterResult {
  const share: Record<string, number> = Object.create(null);
  share.steady = 0.75;
  share.cheap = 0.25;
  const shareSeries: Record<string, number[]> = Object.create(null);
  shareSeries.steady = [0.5, 1];
  shareSeries.cheap = [0.5, 0];
  return {
    name,
    meanReward: 8,
    meanExpectedReward: 8,
    cumulativeRegret: 100,
    regretSeries: [80, 100],
    rewardSeries: [7, 9],
    failureRate: 0.05,
    noDecisionRate: 0,
    violationRate: 0,
    meanCostUsd: 1.5,
    meanLatencyMs: 120,
    share,
    shareSeries,
    extraSeries: Object.create(null),
    ...overrides,
  };
}

/** A two-window result over the providers `steady` and `cheap`, with one event. */
export function simulationResult(routers: RouterResult[], overrides: Partial<SimulationResult> = {}): SimulationResult {
  return {
    scenario: "tiny",
    seed: 3,
    decisions: 100,
    sampleEvery: 50,
    sampleSteps: [50, 100],
    providers: ["steady", "cheap"],
    events: [{ type: "outage", label: "cheap down", start: 40, end: 60, providerIds: ["cheap"] }],
    oracleMeanExpectedReward: 8.7,
    noDecisionReward: -20,
    routers,
    ...overrides,
  };
}

/**
 * Two providers with no noise (the simulator's own test market): `steady` never fails and
 * earns 8.7 a job; `cheap` fails half the time, for an expected −5.3. The rule router prefers
 * `cheap`; the oracle picks `steady`.
 */
export function tinyScenario(overrides: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: "tiny",
    description: "steady against cheap",
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
