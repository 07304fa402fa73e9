import { describe, expect, it } from "vitest";
import { Market } from "./market.js";
import { oracleRouter } from "./oracle-router.js";
import { parseScenario, type ScenarioInput } from "./scenario.js";
import { specReward } from "./testing/spec-reward.js";
import { tinyScenario } from "./testing/tiny-scenario.js";

describe("oracleRouter", () => {
  it("picks the provider with the highest expected reward, not the cheapest", () => {
    const market = new Market(parseScenario(tinyScenario()), { seed: 1 });
    const oracle = oracleRouter();
    oracle.start?.({ market, reward: specReward, seed: 1, decisions: market.decisions });
    // steady: 8.7 every time; cheap: 0.5 · 9.4 − 0.5 · 20 = −5.3.
    expect(oracle.decide(market.request(0), 0)).toEqual({ provider_id: "steady" });
  });

  it("follows the hidden truth as it changes", () => {
    const scenario = parseScenario(tinyScenario({ events: [{ type: "outage", at: 0, duration: 50, provider_id: "steady" }] }));
    const market = new Market(scenario, { seed: 1 });
    const oracle = oracleRouter();
    oracle.start?.({ market, reward: specReward, seed: 1, decisions: market.decisions });
    expect(oracle.decide(market.request(49), 49)).toEqual({ provider_id: "cheap" });
    expect(oracle.decide(market.request(50), 50)).toEqual({ provider_id: "steady" });
  });

  it("declines a job when every pick is worth less than not placing it", () => {
    // A 100 GPU-hour job: steady costs 200 (−189.3), cheap 100 (0.5 · −89.6 − 0.5 · 20 = −54.8); not placing it, −20.
    const tenants = [
      { tenant_id: "t", regions: ["r1"], workloads: [{ workload_type: "w", gpu_types: ["a100"], gpu_hours: [100, 100] }] },
    ] as ScenarioInput["tenants"];
    const market = new Market(parseScenario(tinyScenario({ tenants })), { seed: 1 });
    const oracle = oracleRouter();
    oracle.start?.({ market, reward: specReward, seed: 1, decisions: market.decisions });
    expect(oracle.decide(market.request(0), 0)).toEqual({ provider_id: null });
  });

  it("places a job worth exactly as much as not placing it", () => {
    const always = { failure_rate: 1, latency_mean_ms: 1 };
    const scenario = tinyScenario();
    const providers = scenario.providers.map((p) => ({ ...p, hidden: always }));
    const market = new Market(parseScenario({ ...scenario, providers }), { seed: 1 });
    const oracle = oracleRouter();
    oracle.start?.({ market, reward: specReward, seed: 1, decisions: market.decisions });
    expect(oracle.decide(market.request(0), 0)).toEqual({ provider_id: "steady" });
  });

  it("refuses to decide without the hidden truth", () => {
    const market = new Market(parseScenario(tinyScenario()), { seed: 1 });
    expect(() => oracleRouter().decide(market.request(0), 0)).toThrow(/run it inside runSimulation/);
  });
});
