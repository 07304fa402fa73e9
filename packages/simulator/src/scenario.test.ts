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
            "advertised": { "prices": { "__proto__": 1.5, "constructor": 2 }, "latency_ms": 10, "reputation": 90, "regions": ["constructor", "__proto__"] },
            "hidden": { "failure_rate": 0, "extra_failure_rate_by_region": { "__proto__": 0.5 }, "latency_mean_ms": 10 }
          }],
          "tenants": [{ "tenant_id": "t", "regions": ["constructor", "__proto__"],
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

    describe("beyond what a request may carry", () => {
      const base = tinyScenario();
      const steady = base.providers[0] as ScenarioInput["providers"][number];
      const tenant = base.tenants[0] as ScenarioInput["tenants"][number];
      const withSteady = (change: (p: typeof steady) => typeof steady) => ({
        ...base,
        providers: [change(steady), base.providers[1]],
      });

      it("names a price above the request's limit of 1,000,000 USD per GPU hour, and takes one at it", () => {
        const priced = (a100: number) => withSteady((p) => ({ ...p, advertised: { ...p.advertised, prices: { a100 } } }));
        expect(fieldOf(priced(1e300))).toBe("providers[0].advertised.prices.a100");
        expect(() => parseScenario(priced(1_000_001))).toThrow(
          /^providers\[0\]\.advertised\.prices\.a100: must be at most 1,000,000 \(USD per GPU hour\), the most a request may carry/,
        );
        expect(parseScenario(priced(1_000_000)).providers[0]?.advertised.prices["a100"]).toBe(1_000_000);
      });

      it("names a real latency (mean or spread) above 1,000,000,000 ms", () => {
        const hidden = (h: object) => withSteady((p) => ({ ...p, hidden: { ...p.hidden, ...h } }));
        expect(fieldOf(hidden({ latency_mean_ms: 1e308 }))).toBe("providers[0].hidden.latency_mean_ms");
        expect(fieldOf(hidden({ latency_sd_ms: 1e10 }))).toBe("providers[0].hidden.latency_sd_ms");
        expect(() => parseScenario(hidden({ latency_mean_ms: 1e9, latency_sd_ms: 1e9 }))).not.toThrow();
      });

      it("names a job size above 1,000,000,000 GPU hours", () => {
        const workload = { workload_type: "w", gpu_types: ["a100"], gpu_hours: [1, 2e9] };
        expect(fieldOf({ ...base, tenants: [{ ...tenant, workloads: [workload] }] })).toBe(
          "tenants[0].workloads[0].gpu_hours[1]",
        );
      });

      it("names a market of more than 10,000 providers", () => {
        const providers = Array.from({ length: 10_001 }, (_, i) => ({ ...steady, provider_id: `p${i}` }));
        expect(() => parseScenario({ ...base, providers })).toThrow(
          /^providers: must list at most 10,000 providers, the most a request may carry/,
        );
        expect(parseScenario({ ...base, providers: providers.slice(0, 10_000) }).providers).toHaveLength(10_000);
      });

      it("names a run longer than 10,000,000 steps", () => {
        expect(() => parseScenario({ ...base, decisions: 1e9 })).toThrow(
          /^decisions: must be at most 10,000,000 \(steps in a run\)/,
        );
        expect(parseScenario({ ...base, decisions: 10_000_000 }).decisions).toBe(10_000_000);
      });

      it("names the factor of a price spike that would raise a price above the limit, saying how far it may go", () => {
        // steady's a100 is 2, cheap's 1: ×500,000 is 1,000,000, the limit; ×500,001 is beyond it.
        expect(() => parseScenario(withEvents([{ type: "price_spike", at: 1, factor: 500_001 }]))).toThrow(
          /^events\[0\]\.factor: would raise provider "steady"'s a100 price of 2 USD per GPU hour to 1000002, above 1,000,000, the most a request may carry: use a factor of at most 500,000/,
        );
        expect(
          fieldOf(
            withEvents([
              { type: "outage", at: 1, provider_id: "cheap" },
              { type: "price_spike", at: 1, factor: 1e308 },
            ]),
          ),
        ).toBe("events[1].factor");
        expect(() => parseScenario(withEvents([{ type: "price_spike", at: 1, factor: 500_000 }]))).not.toThrow();
        // Only the providers and GPU types it names: cheap's 1 may go ×1,000,000.
        expect(() =>
          parseScenario(withEvents([{ type: "price_spike", at: 1, factor: 1_000_000, provider_ids: ["cheap"] }])),
        ).not.toThrow();
        expect(fieldOf(withEvents([{ type: "price_spike", at: 1, factor: 1_000_001, provider_ids: ["cheap"] }]))).toBe(
          "events[0].factor",
        );
      });

      it("counts, for a GPU type a provider lacks, the lowest price it shows instead", () => {
        const steadyH100 = withSteady((p) => ({ ...p, advertised: { ...p.advertised, prices: { a100: 2, h100: 4 } } }));
        // Jobs ask for h100 too (a spike on a GPU type no job has would never apply).
        const priced = {
          ...steadyH100,
          tenants: steadyH100.tenants.map((t) => ({
            ...t,
            workloads: t.workloads.map((w) => ({ ...w, gpu_types: [...w.gpu_types, "h100"] })),
          })),
        };
        const spike = (gpu: string, factor: number) => ({ type: "price_spike", at: 1, factor, gpu_types: [gpu] });
        // steady's h100 is 4 (≤ ×250,000); cheap has no h100, so it shows its lowest, 1.
        expect(fieldOf({ ...priced, events: [spike("h100", 250_001)] })).toBe("events[0].factor");
        expect(() => parseScenario({ ...priced, events: [spike("h100", 250_000)] })).not.toThrow();
      });
    });

    it("refuses a duration of 0%, as it refuses 0 steps", () => {
      expect(fieldOf(withEvents([{ type: "outage", at: 1, duration: 0, provider_id: "cheap" }]))).toBe("events[0].duration");
      expect(fieldOf(withEvents([{ type: "outage", at: 1, duration: "0%", provider_id: "cheap" }]))).toBe("events[0].duration");
      expect(() => parseScenario(withEvents([{ type: "price_spike", at: 1, duration: "0.0%", factor: 2 }]))).toThrow(
        /^events\[0\]\.duration: must be a share above 0%, or a step count ≥ 1/,
      );
      expect(() =>
        parseScenario(withEvents([{ type: "outage", at: "0%", duration: "0.5%", provider_id: "cheap" }])),
      ).not.toThrow();
    });

    it("adds the source file to every message when given", () => {
      expect(() => parseScenario({ name: "" }, "/tmp/x.json")).toThrow(/^name: must not be empty \(in \/tmp\/x\.json\)/);
    });
  });
});

describe("names that would never apply", () => {
  it.each([
    [{ events: [{ type: "outage", at: 1, provider_id: "cheap", regions: ["r2"] }] }, "events[0].regions[0]"],
    [{ events: [{ type: "price_spike", at: 1, factor: 2, gpu_types: ["h1OO"] }] }, "events[0].gpu_types[0]"],
    [{ events: [{ type: "price_spike", at: 1, factor: 2, provider_ids: ["cheap", "cheap"] }] }, "events[0].provider_ids[1]"],
  ] as [Partial<ScenarioInput>, string][])("refuses %j, naming %s", (overrides, field) => {
    expect(fieldOf(tinyScenario(overrides))).toBe(field);
  });

  it("refuses a hidden extra failure rate for a region or GPU type no job has, naming the key", () => {
    const base = tinyScenario();
    const withHidden = (hidden: Record<string, unknown>) => ({
      ...base,
      providers: [{ ...base.providers[0]!, hidden: { ...base.providers[0]!.hidden, ...hidden } }, base.providers[1]!],
    });
    expect(fieldOf(withHidden({ extra_failure_rate_by_region: { "r-typo": 0.5 } }))).toBe(
      "providers[0].hidden.extra_failure_rate_by_region.r-typo",
    );
    expect(fieldOf(withHidden({ extra_failure_rate_by_gpu: { h1OO: 0.5 } }))).toBe(
      "providers[0].hidden.extra_failure_rate_by_gpu.h1OO",
    );
    expect(() =>
      parseScenario(withHidden({ extra_failure_rate_by_region: { r1: 0.5 }, extra_failure_rate_by_gpu: { a100: 0.1 } })),
    ).not.toThrow();
  });
});

describe("prices", () => {
  it("refuses a price under 0.0001, which would be advertised (and billed) as 0", () => {
    const base = tinyScenario();
    const priced = (price: number) => ({
      ...base,
      providers: [
        { ...base.providers[0]!, advertised: { ...base.providers[0]!.advertised, prices: { a100: price } } },
        base.providers[1]!,
      ],
    });
    expect(fieldOf(priced(0.00004))).toBe("providers[0].advertised.prices.a100");
    expect(() => parseScenario(priced(0.0001))).not.toThrow();
  });
});
