import type { Constraints, Provider } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { compliantProviders, violationsOf } from "./compliance.js";
import type { SimRequest } from "./sim-router.js";

const provider: Provider = {
  provider_id: "p",
  price_usd_per_hour: 2,
  latency_ms: 100,
  reputation: 80,
  capacity_available: 10,
  gpu_types: ["a100"],
  regions: ["us-west"],
};
const request = (constraints: Constraints, providers: Provider[] = [provider]): SimRequest => ({
  context: { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 3 },
  providers,
  constraints,
});

describe("violationsOf", () => {
  it("finds nothing when every constraint holds, limits included", () => {
    const limits = {
      max_price: 2,
      max_latency_ms: 100,
      min_reputation: 80,
      region: "us-west",
      gpu_type: "a100",
      gpu_hours: 10,
      max_cost_usd: 6,
    };
    expect(violationsOf(provider, request(limits))).toEqual([]);
  });

  it.each([
    [{ max_price: 1.99 }, "price_exceeded"],
    [{ max_latency_ms: 99 }, "latency_exceeded"],
    [{ min_reputation: 81 }, "reputation_too_low"],
    [{ region: "eu-central" }, "region_mismatch"],
    [{ gpu_type: "h100" }, "gpu_type_mismatch"],
    [{ gpu_hours: 10.5 }, "insufficient_capacity"],
    [{ max_cost_usd: 5.99 }, "cost_exceeded"],
  ] as const)("reports %o as %s", (constraints, violation) => {
    expect(violationsOf(provider, request(constraints))).toEqual([violation]);
  });

  it("treats absent or null capacity as unlimited", () => {
    const { capacity_available: _, ...unlimited } = provider;
    expect(violationsOf(unlimited, request({ gpu_hours: 1e6 }))).toEqual([]);
    expect(violationsOf({ ...provider, capacity_available: null }, request({ gpu_hours: 1e6 }))).toEqual([]);
  });

  it("reports every violation at once", () => {
    expect(violationsOf(provider, request({ max_price: 1, region: "eu-central" }))).toEqual([
      "price_exceeded",
      "region_mismatch",
    ]);
  });
});

describe("compliantProviders", () => {
  it("keeps the compliant providers in request order", () => {
    const dear = { ...provider, provider_id: "dear", price_usd_per_hour: 9 };
    const other = { ...provider, provider_id: "other" };
    expect(compliantProviders(request({ max_price: 5 }, [provider, dear, other])).map((p) => p.provider_id)).toEqual([
      "p",
      "other",
    ]);
  });
});
