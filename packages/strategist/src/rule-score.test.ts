import type { Provider } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { RULE_MARKET } from "../test/fixtures/rule-market.js";
import { RULE_DEFAULTS, RULE_WEIGHTS, resolveRuleOptions, ruleScore } from "./rule-score.js";

function provider(id: string, fields: Partial<Provider>): Provider {
  return {
    provider_id: id,
    price_usd_per_hour: 1,
    latency_ms: 100,
    reputation: 90,
    gpu_types: ["a100"],
    regions: ["us-west"],
    ...fields,
  };
}

describe("ruleScore", () => {
  it("gives the simulator's scores on a fixed market", () => {
    expect(RULE_MARKET.map((p) => ruleScore(p))).toEqual([0.3925, 0.4943333333333334, 0.4794105263157895, 0.462375]);
  });

  it("gives the simulator's scores with other weights and another full-availability level", () => {
    const reputationOnly = { ...RULE_DEFAULTS, weights: { price: 0, latency: 0, reputation: 1, availability: 0 } };
    expect(RULE_MARKET.map((p) => ruleScore(p, reputationOnly))).toEqual([0.95, 0.88, 0.72, 0.99]);
    expect(ruleScore(RULE_MARKET[0]!, { ...RULE_DEFAULTS, fullAvailabilityGpuHours: 20 })).toBe(0.48250000000000004);
  });

  it("is 0.35/price + 0.30/latency + 0.20·reputation/100 + 0.15·availability", () => {
    expect(
      ruleScore(provider("p", { price_usd_per_hour: 2, latency_ms: 100, reputation: 80, capacity_available: 10 })),
    ).toBeCloseTo(0.35 / 2 + 0.3 / 100 + 0.2 * 0.8 + 0.15 * 0.1, 12);
  });

  it("stays finite for a free provider with zero latency (floors of $0.01/h and 1 ms)", () => {
    expect(ruleScore(provider("free", { price_usd_per_hour: 0, latency_ms: 0, reputation: 10, capacity_available: 0 }))).toBe(
      35.32,
    );
  });
});

describe("resolveRuleOptions", () => {
  it("fills in aurora-router phase 1's weights and 100 free GPU hours", () => {
    expect(resolveRuleOptions(undefined)).toEqual({ weights: RULE_WEIGHTS, fullAvailabilityGpuHours: 100 });
    expect(resolveRuleOptions({ weights: { price: 0.5 } }).weights).toEqual({ ...RULE_WEIGHTS, price: 0.5 });
  });

  describe("invalid", () => {
    it("names every bad option", () => {
      try {
        resolveRuleOptions({ weights: { price: -1, speed: 1 }, fullAvailabilityGpuHours: 0, colour: "red" }, "params");
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues.map((i) => i.field)).toEqual([
          "params.weights.price",
          "params.weights.speed",
          "params.fullAvailabilityGpuHours",
          "params.colour",
        ]);
      }
    });
  });
});
