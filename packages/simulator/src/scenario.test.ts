import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { parseScenario, type ScenarioInput } from "./scenario.js";
import { tinyScenario } from "./testing/tiny-scenario.js";

function fieldOf(value: unknown): string {
  try {
    parseScenario(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

const withEvents = (events: unknown[]): unknown => tinyScenario({ events: events as ScenarioInput["events"] });

describe("parseScenario", () => {
  describe("valid", () => {
    it("fills the defaults", () => {
      const scenario = parseScenario(tinyScenario({ decisions: undefined }));
      expect(scenario.decisions).toBe(5000);
      expect(scenario.description).toBe("");
      expect(scenario.events).toEqual([]);
      expect(scenario.tenants[0]?.weight).toBe(1);
      expect(scenario.tenants[0]?.constraints).toEqual({});
      expect(scenario.providers[0]?.advertised.capacity_available).toBeNull();
    });

    it("is idempotent: a parsed scenario parses to itself", () => {
      const once = parseScenario(tinyScenario());
      expect(parseScenario(once)).toEqual(once);
    });

    it("keeps __proto__ and constructor as ordinary GPU types and regions", () => {
      const scenario = parseScenario(
        JSON.parse(`{
          "name": "odd-ids",
          "providers": [{
            "provider_id": "__proto__",
            "advertised": { "prices": { "__proto__": 1.5, "constructor": 2 }, "latency_ms": 10, "reputation": 90, "regions": ["constructor"] },
            "hidden": { "failure_rate": 0, "extra_failure_rate_by_region": { "__proto__": 0.5 }, "latency_mean_ms": 10 }
          }],
          "tenants": [{ "tenant_id": "t", "regions": ["constructor"],
            "workloads": [{ "workload_type": "w", "gpu_types": ["__proto__"], "gpu_hours": [1, 1] }] }]
        }`),
      );
      const prices = scenario.providers[0]?.advertised.prices as Record<string, number>;
      expect(Object.keys(prices)).toEqual(["__proto__", "constructor"]);
      expect(prices["__proto__"]).toBe(1.5);
      expect(Object.getPrototypeOf(prices)).toBeNull();
      expect(scenario.providers[0]?.hidden.extra_failure_rate_by_region?.["__proto__"]).toBe(0.5);
    });
  });

  describe("invalid", () => {
    it("names the event whose start is not a step or a share", () => {
      const events = [
        { type: "outage", at: 10, provider_id: "cheap" },
        { type: "outage", at: "50%", provider_id: "cheap" },
        { type: "outage", at: -3, provider_id: "cheap" },
      ];
      expect(fieldOf(withEvents(events))).toBe("events[2].at");
      expect(fieldOf(withEvents([{ type: "outage", at: "half", provider_id: "cheap" }]))).toBe("events[0].at");
      expect(fieldOf(withEvents([{ type: "outage", at: "140%", provider_id: "cheap" }]))).toBe("events[0].at");
      expect(fieldOf(withEvents([{ type: "outage", at: 1.5, provider_id: "cheap" }]))).toBe("events[0].at");
    });

    it("says what went wrong and which field, in the message", () => {
      expect(() => parseScenario(withEvents([{ type: "outage", at: -3, provider_id: "cheap" }]))).toThrow(
        /^events\[0\]\.at: must be an integer step count ≥ 0, or a share of the run such as "40%"/,
      );
    });

    it("names an event of unknown type", () => {
      expect(fieldOf(withEvents([{ type: "meteor", at: 1 }]))).toBe("events[0].type");
    });

    it("names a misspelt field instead of ignoring it", () => {
      expect(() => parseScenario(withEvents([{ type: "outage", at: 1, provider_id: "cheap", durration: 5 }]))).toThrow(
        /^events\[0\]: unknown field "durration"/,
      );
    });

    it("names an event about an unknown provider", () => {
      expect(fieldOf(withEvents([{ type: "latency_spike", at: 1, provider_id: "ghost", factor: 2 }]))).toBe(
        "events[0].provider_id",
      );
      expect(fieldOf(withEvents([{ type: "price_spike", at: 1, provider_ids: ["cheap", "ghost"], factor: 2 }]))).toBe(
        "events[0].provider_ids[1]",
      );
    });

    it("refuses a reputation drop with both or neither of to and by", () => {
      expect(fieldOf(withEvents([{ type: "reputation_drop", at: 1, provider_id: "cheap" }]))).toBe("events[0]");
      expect(fieldOf(withEvents([{ type: "reputation_drop", at: 1, provider_id: "cheap", to: 50, by: 10 }]))).toBe("events[0]");
    });

    it("refuses a provider that joins twice", () => {
      const events = [
        { type: "provider_joins", at: 1, provider_id: "cheap" },
        { type: "provider_joins", at: 5, provider_id: "cheap" },
      ];
      expect(fieldOf(withEvents(events))).toBe("events[1].provider_id");
    });

    it("refuses a market where every provider joins late or leaves", () => {
      const events = [
        { type: "provider_joins", at: 1, provider_id: "cheap" },
        { type: "provider_leaves", at: 5, provider_id: "steady" },
      ];
      expect(fieldOf(withEvents(events))).toBe("providers");
    });

    it("names a duplicate provider id", () => {
      const scenario = tinyScenario();
      const providers = [...(scenario.providers ?? []), { ...(scenario.providers?.[0] as object) }];
      expect(fieldOf({ ...scenario, providers })).toBe("providers[2].provider_id");
    });

    it("names a tenant region no provider serves and a GPU type no provider offers", () => {
      const base = tinyScenario();
      const tenant = base.tenants[0] as ScenarioInput["tenants"][number];
      expect(fieldOf({ ...base, tenants: [{ ...tenant, regions: ["r1", "mars"] }] })).toBe("tenants[0].regions[1]");
      const workload = { workload_type: "llm_training", gpu_types: ["a100", "h200"], gpu_hours: [1, 2] };
      expect(fieldOf({ ...base, tenants: [{ ...tenant, workloads: [workload] }] })).toBe("tenants[0].workloads[0].gpu_types[1]");
    });

    it("names a job size range whose min exceeds its max", () => {
      const base = tinyScenario();
      const tenant = base.tenants[0] as ScenarioInput["tenants"][number];
      const workload = { workload_type: "w", gpu_types: ["a100"], gpu_hours: [3, 1] };
      expect(fieldOf({ ...base, tenants: [{ ...tenant, workloads: [workload] }] })).toBe("tenants[0].workloads[0].gpu_hours");
    });

    it("names a bad price inside a provider's price list", () => {
      const base = tinyScenario();
      const provider = base.providers[0] as ScenarioInput["providers"][number];
      const bad = { ...provider, advertised: { ...provider.advertised, prices: { a100: -1 } } };
      expect(fieldOf({ ...base, providers: [bad, base.providers[1]] })).toBe("providers[0].advertised.prices.a100");
    });

    it("names a failure rate above 1", () => {
      const base = tinyScenario();
      const provider = base.providers[1] as ScenarioInput["providers"][number];
      const bad = { ...provider, hidden: { ...provider.hidden, failure_rate: 1.5 } };
      expect(fieldOf({ ...base, providers: [base.providers[0], bad] })).toBe("providers[1].hidden.failure_rate");
    });

    it("adds the source file to every message when given", () => {
      expect(() => parseScenario({ name: "" }, "/tmp/x.json")).toThrow(/^name: must not be empty \(in \/tmp\/x\.json\)/);
    });
  });
});
