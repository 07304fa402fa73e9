import type { Constraints, Context, Provider } from "@aurora/domain";
import { VIOLATION_TYPES } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { checkConstraints } from "./check-constraints.js";

const context: Context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };

const provider = (extra: Partial<Provider> = {}): Provider => ({
  provider_id: "akash",
  price_usd_per_hour: 2.5,
  latency_ms: 120,
  reputation: 90,
  capacity_available: 10,
  gpu_types: ["a100", "h100"],
  regions: ["us-west", "eu-central"],
  ...extra,
});

describe("checkConstraints", () => {
  it("finds nothing without constraints", () => {
    expect(checkConstraints(provider({ price_usd_per_hour: 1e6 }), undefined, context)).toEqual([]);
  });

  it("finds nothing when every constraint holds, bounds included", () => {
    const constraints: Constraints = {
      max_price: 2.5,
      max_latency_ms: 120,
      min_reputation: 90,
      region: "us-west",
      gpu_type: "a100",
      gpu_hours: 10,
      max_cost_usd: 5,
    };
    expect(checkConstraints(provider(), constraints, context)).toEqual([]);
  });

  describe("each violation", () => {
    it.each([
      ["price_exceeded", { max_price: 2.49 }],
      ["latency_exceeded", { max_latency_ms: 119 }],
      ["reputation_too_low", { min_reputation: 91 }],
      ["region_mismatch", { region: "ap-south" }],
      ["gpu_type_mismatch", { gpu_type: "mi300" }],
      ["insufficient_capacity", { gpu_hours: 10.5 }],
      ["cost_exceeded", { max_cost_usd: 4.99 }],
    ] as const)("reports %s", (type, constraints) => {
      expect(checkConstraints(provider(), constraints, context)).toEqual([type]);
    });
  });

  it("lists several violations in the order of VIOLATION_TYPES", () => {
    const constraints: Constraints = {
      max_cost_usd: 1,
      gpu_hours: 100,
      gpu_type: "mi300",
      region: "ap-south",
      min_reputation: 99,
      max_latency_ms: 1,
      max_price: 1,
    };
    expect(checkConstraints(provider(), constraints, context)).toEqual([...VIOLATION_TYPES]);
  });

  it("compares region and GPU type case-insensitively", () => {
    const p = provider({ regions: ["US-West"], gpu_types: ["A100"] });
    expect(checkConstraints(p, { region: "us-WEST", gpu_type: "a100" }, context)).toEqual([]);
  });

  it("treats a provider without regions or GPU types as matching none", () => {
    const p = provider({ regions: [], gpu_types: [] });
    expect(checkConstraints(p, { region: "us-west", gpu_type: "a100" }, context)).toEqual([
      "region_mismatch",
      "gpu_type_mismatch",
    ]);
  });

  it("treats null or absent capacity as unlimited", () => {
    expect(checkConstraints(provider({ capacity_available: null }), { gpu_hours: 1e9 }, context)).toEqual([]);
    expect(checkConstraints(provider({ capacity_available: undefined }), { gpu_hours: 1e9 }, context)).toEqual([]);
  });

  it("compares capacity with constraints.gpu_hours, not the job's hours", () => {
    const p = provider({ capacity_available: 1 });
    expect(checkConstraints(p, {}, { ...context, gpu_hours: 50 })).toEqual([]);
    expect(checkConstraints(p, { gpu_hours: 1.5 }, context)).toEqual(["insufficient_capacity"]);
  });

  it("prices the whole job as price per hour × context.gpu_hours", () => {
    const p = provider({ price_usd_per_hour: 3 });
    expect(checkConstraints(p, { max_cost_usd: 10 }, { ...context, gpu_hours: 3 })).toEqual([]);
    expect(checkConstraints(p, { max_cost_usd: 10 }, { ...context, gpu_hours: 4 })).toEqual(["cost_exceeded"]);
  });

  it("does not flag a job priced exactly at the budget because of float rounding", () => {
    // 0.1 × 3 = 0.30000000000000004 in binary floating point
    const p = provider({ price_usd_per_hour: 0.1 });
    expect(checkConstraints(p, { max_cost_usd: 0.3 }, { ...context, gpu_hours: 3 })).toEqual([]);
    expect(checkConstraints(p, { max_cost_usd: 0.2999 }, { ...context, gpu_hours: 3 })).toEqual(["cost_exceeded"]);
  });

  it("counts a NaN value as breaking its bound", () => {
    const p = provider({ price_usd_per_hour: Number.NaN, reputation: Number.NaN });
    expect(checkConstraints(p, { max_price: 10, min_reputation: 0, max_cost_usd: 100 }, context)).toEqual([
      "price_exceeded",
      "reputation_too_low",
      "cost_exceeded",
    ]);
  });

  it("ignores allow and deny, which are rules rather than violations", () => {
    expect(checkConstraints(provider(), { allow: ["other"], deny: ["akash"] }, context)).toEqual([]);
  });

  it("writes nothing to its arguments", () => {
    const p = Object.freeze(provider({ regions: Object.freeze(["US-West"]) as string[] }));
    const c = Object.freeze({ region: "us-west", max_price: 1 });
    const ctx = Object.freeze({ ...context });
    expect(checkConstraints(p, c, ctx)).toEqual(["price_exceeded"]);
    expect(p.regions).toEqual(["US-West"]);
  });
});
