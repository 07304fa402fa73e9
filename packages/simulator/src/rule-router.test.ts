import type { Constraints, Provider } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compliantProviders, violationsOf } from "./compliance.js";
import { ruleRouter, ruleScore } from "./rule-router.js";
import type { SimRequest } from "./sim-router.js";

const base: Provider = {
  provider_id: "p",
  price_usd_per_hour: 2,
  latency_ms: 100,
  reputation: 80,
  capacity_available: 10,
  gpu_types: ["a100"],
  regions: ["us-west"],
};
const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };

describe("ruleScore", () => {
  it("is 0.35/price + 0.30/latency + 0.20·reputation/100 + 0.15·availability", () => {
    // availability: 10 free GPU hours of the 100 that count as fully available.
    expect(ruleScore(base)).toBeCloseTo(0.35 / 2 + 0.3 / 100 + 0.2 * 0.8 + 0.15 * 0.1, 12);
  });

  it("counts unlimited capacity, and 100 free GPU hours or more, as fully available", () => {
    const { capacity_available: _, ...unlimited } = base;
    const full = 0.35 / 2 + 0.3 / 100 + 0.2 * 0.8 + 0.15;
    expect(ruleScore(unlimited)).toBeCloseTo(full, 12);
    expect(ruleScore({ ...base, capacity_available: null })).toBeCloseTo(full, 12);
    expect(ruleScore({ ...base, capacity_available: 500 })).toBeCloseTo(full, 12);
    expect(ruleScore({ ...base, capacity_available: 50 }, { fullAvailabilityGpuHours: 50 })).toBeCloseTo(full, 12);
  });

  it("stays finite for a free provider with zero latency (floors of $0.01/h and 1 ms)", () => {
    expect(ruleScore({ ...base, price_usd_per_hour: 0, latency_ms: 0, capacity_available: 0 })).toBeCloseTo(35 + 0.3 + 0.16, 12);
  });

  it("takes other weights", () => {
    expect(ruleScore(base, { weights: { price: 0, latency: 0, reputation: 1, availability: 0 } })).toBeCloseTo(0.8, 12);
  });
});

const providerArb = (id: string) =>
  fc.record({
    provider_id: fc.constant(id),
    price_usd_per_hour: fc.double({ min: 0, max: 10, noNaN: true }),
    latency_ms: fc.double({ min: 0, max: 500, noNaN: true }),
    reputation: fc.double({ min: 0, max: 100, noNaN: true }),
    capacity_available: fc.option(fc.double({ min: 0, max: 200, noNaN: true }), { nil: undefined }),
    gpu_types: fc.subarray(["a100", "h100"], { minLength: 1 }),
    regions: fc.subarray(["us-west", "eu-central"], { minLength: 1 }),
  });
const requestArb = fc.record({
  providers: fc.tuple(providerArb("a"), providerArb("b"), providerArb("c"), providerArb("d")),
  constraints: fc.record(
    {
      max_price: fc.double({ min: 0, max: 10, noNaN: true }),
      max_latency_ms: fc.double({ min: 0, max: 500, noNaN: true }),
      min_reputation: fc.double({ min: 0, max: 100, noNaN: true }),
      region: fc.constantFrom("us-west", "eu-central"),
      gpu_type: fc.constantFrom("a100", "h100"),
      gpu_hours: fc.double({ min: 0.1, max: 100, noNaN: true }),
      max_cost_usd: fc.double({ min: 0, max: 50, noNaN: true }),
    },
    { requiredKeys: [] },
  ),
});

describe("ruleRouter", () => {
  it("picks the compliant provider with the highest score, never a violating one, and none when none complies", () => {
    const router = ruleRouter();
    fc.assert(
      fc.property(requestArb, ({ providers, constraints }) => {
        const request: SimRequest = { context, providers, constraints: constraints as Constraints };
        const { provider_id } = router.decide(request, 0);
        const compliant = compliantProviders(request);
        if (compliant.length === 0) return provider_id === null;
        const picked = providers.find((p) => p.provider_id === provider_id) as Provider;
        const best = Math.max(...compliant.map((p) => ruleScore(p)));
        return violationsOf(picked, request).length === 0 && ruleScore(picked) === best;
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it("ignores a better-scoring provider that breaks a constraint", () => {
    const cheap = { ...base, provider_id: "cheap", price_usd_per_hour: 0.5, reputation: 40 };
    const request: SimRequest = { context, providers: [base, cheap], constraints: { min_reputation: 50 } };
    expect(ruleScore(cheap)).toBeGreaterThan(ruleScore(base));
    expect(ruleRouter().decide(request, 0)).toEqual({ provider_id: "p" });
  });

  it("keeps the first of two equal scores", () => {
    const twin = { ...base, provider_id: "twin" };
    expect(ruleRouter().decide({ context, providers: [twin, base], constraints: {} }, 0)).toEqual({ provider_id: "twin" });
  });

  it("is named rule unless told otherwise", () => {
    expect(ruleRouter().name).toBe("rule");
    expect(ruleRouter({ name: "phase-1" }).name).toBe("phase-1");
  });
});
