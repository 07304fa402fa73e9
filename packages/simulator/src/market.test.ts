import {
  type Context,
  decideRequestSchema,
  MAX_COST_USD,
  MAX_LATENCY_MS,
  outcomeSchema,
  type Provider,
  ValidationError,
} from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { loadScenario } from "./load-scenario.js";
import { Market } from "./market.js";
import { parseScenario, type ScenarioInput } from "./scenario.js";
import type { SimRequest } from "./sim-router.js";
import { tinyScenario } from "./testing/tiny-scenario.js";

const record = (request: SimRequest, id: string): Provider | undefined => request.providers.find((p) => p.provider_id === id);

/** The first step from `from` whose job is for this GPU type (and region, when given). */
function stepFor(market: Market, from: number, gpu: string, region?: string): number {
  for (let step = from; step < market.decisions; step++) {
    const { context } = market.request(step);
    if (context.gpu_type === gpu && (region === undefined || context.region === region)) return step;
  }
  throw new Error(`no ${gpu} job from step ${from}`);
}

describe("Market", () => {
  describe("requests", () => {
    const market = new Market(loadScenario("everything"), { seed: 7, decisions: 1000 });

    it("gives the same request for a step whatever was asked before, and for a new market with the same seed", () => {
      const first = market.request(5);
      market.request(3);
      market.request(900);
      expect(market.request(5)).toEqual(first);
      expect(new Market(loadScenario("everything"), { seed: 7, decisions: 1000 }).request(5)).toEqual(first);
    });

    it("gives other requests for another seed", () => {
      const other = new Market(loadScenario("everything"), { seed: 8, decisions: 1000 });
      const contexts = (m: Market) => Array.from({ length: 20 }, (_, step) => m.request(step).context);
      expect(contexts(other)).not.toEqual(contexts(market));
    });

    it("speaks the domain's wire format: every request is a valid DecideRequestInput", () => {
      for (let step = 0; step < 1000; step += 7) {
        expect(decideRequestSchema.safeParse(market.request(step)).success).toBe(true);
      }
    });

    it("freezes the request it shares between routers", () => {
      const request = market.request(0);
      expect(Object.isFrozen(request)).toBe(true);
      expect(Object.isFrozen(request.context)).toBe(true);
      expect(Object.isFrozen(request.constraints)).toBe(true);
      expect(Object.isFrozen(request.providers)).toBe(true);
      expect(Object.isFrozen(request.providers[0])).toBe(true);
    });

    it("puts the tenant's SLA and the job's region, GPU type and size in the constraints", () => {
      const scenario = loadScenario("calm");
      const calm = new Market(scenario, { seed: 1 });
      for (let step = 0; step < 200; step++) {
        const { context, constraints } = calm.request(step);
        const tenant = scenario.tenants.find((t) => t.regions.includes(context.region));
        expect(constraints).toEqual({
          ...tenant?.constraints,
          region: context.region,
          gpu_type: context.gpu_type,
          gpu_hours: context.gpu_hours,
        });
        const workload = tenant?.workloads.find(
          (w) => w.workload_type === context.workload_type && w.gpu_types.includes(context.gpu_type),
        );
        const [min, max] = workload?.gpu_hours ?? [0, 0];
        expect(context.gpu_hours).toBeGreaterThanOrEqual(min);
        expect(context.gpu_hours).toBeLessThanOrEqual(max);
        expect(Math.round(context.gpu_hours * 100)).toBeCloseTo(context.gpu_hours * 100, 9);
      }
    });

    it("advertises each provider's price for the requested GPU type", () => {
      const calm = new Market(loadScenario("calm"), { seed: 1 });
      const step = stepFor(calm, 0, "h100");
      expect(record(calm.request(step), "nimbus-cloud")?.price_usd_per_hour).toBe(4.2);
      expect(record(calm.request(step), "meshcompute")?.price_usd_per_hour).toBe(1.9);
      expect(record(calm.request(step), "renderhive")).toMatchObject({
        gpu_types: ["a100", "rtx4090"],
        price_usd_per_hour: 0.42,
      });
    });
  });

  describe("events", () => {
    it("shows a price spike in the advertised price exactly during its window, and bills it", () => {
      const scenario = loadScenario("price-spike");
      const market = new Market(scenario, { seed: 1, decisions: 1000 });
      const listed = scenario.providers.find((p) => p.provider_id === "meshcompute")?.advertised.prices ?? {};
      // meshcompute ×2.5 from 30% (step 300) for 25% (until 550).
      const factor = (step: number) => {
        const request = market.request(step);
        return (record(request, "meshcompute")?.price_usd_per_hour as number) / (listed[request.context.gpu_type] as number);
      };
      expect(factor(299)).toBeCloseTo(1, 3);
      expect(factor(300)).toBeCloseTo(2.5, 3);
      expect(factor(549)).toBeCloseTo(2.5, 3);
      expect(factor(550)).toBeCloseTo(1, 3);
      const step = stepFor(market, 300, "a100");
      const { context } = market.request(step);
      expect(record(market.request(step), "meshcompute")?.price_usd_per_hour).toBe(2.625);
      const costFactor = scenario.providers.find((p) => p.provider_id === "meshcompute")?.hidden.cost_factor as number;
      expect(market.truth(step, context, "meshcompute").costMeanUsd).toBeCloseTo(2.625 * context.gpu_hours * costFactor, 10);
    });

    it("hides an outage: the advertised record does not change, but every job fails", () => {
      const market = new Market(loadScenario("outage"), { seed: 1, decisions: 1000 });
      // meshcompute out from 30% (step 300) for 35% (until 650).
      const before = stepFor(market, 200, "a100", "us-west");
      const during = stepFor(market, 300, "a100", "us-west");
      expect(during).toBeLessThan(650);
      expect(record(market.request(during), "meshcompute")).toEqual(record(market.request(before), "meshcompute"));
      expect(market.truth(during, market.request(during).context, "meshcompute").failureProbability).toBe(1);

      const outcomes = (from: number, to: number) => {
        const results: boolean[] = [];
        for (let step = from; step < to; step++) {
          results.push(market.outcome(step, market.request(step).context, "meshcompute", `d${step}`).success);
        }
        return results;
      };
      expect(outcomes(300, 650).every((success) => !success)).toBe(true);
      expect(outcomes(0, 300).filter(Boolean).length).toBeGreaterThan(240);
      expect(outcomes(650, 1000).filter(Boolean).length).toBeGreaterThan(280);
    });

    it("hides a latency spike: advertised latency unchanged, real latency ×factor", () => {
      const market = new Market(loadScenario("latency-spike"), { seed: 1, decisions: 1000 });
      // stratus-gpu ×10 from step 300 to 700.
      const step = stepFor(market, 300, "a100", "us-west");
      const { context } = market.request(step);
      expect(record(market.request(step), "stratus-gpu")?.latency_ms).toBe(80);
      expect(market.truth(step, context, "stratus-gpu")).toMatchObject({ latencyMeanMs: 900, latencySdMs: 250 });
      expect(market.truth(299, context, "stratus-gpu")).toMatchObject({ latencyMeanMs: 90, latencySdMs: 25 });
    });

    it("lowers the advertised reputation from the drop's step on", () => {
      const market = new Market(loadScenario("everything"), { seed: 1, decisions: 1000 });
      // stratus-gpu → 60 at 70%.
      expect(record(market.request(699), "stratus-gpu")?.reputation).toBe(88);
      expect(record(market.request(700), "stratus-gpu")?.reputation).toBe(60);
      expect(record(market.request(999), "stratus-gpu")?.reputation).toBe(60);
    });

    it("shows a newcomer only from the step it joins", () => {
      const market = new Market(loadScenario("newcomer"), { seed: 1, decisions: 1000 });
      for (let step = 0; step < 1000; step++) {
        expect(record(market.request(step), "tensorforge") !== undefined).toBe(step >= 300);
      }
    });

    it("drops a provider from the step it leaves", () => {
      const market = new Market(loadScenario("everything"), { seed: 1, decisions: 1000 });
      expect(record(market.request(799), "gridswarm")).toBeDefined();
      expect(record(market.request(800), "gridswarm")).toBeUndefined();
    });

    it("lists only the events that start within the run", () => {
      const scenario = parseScenario(
        tinyScenario({
          events: [
            { type: "outage", at: 50, provider_id: "cheap" },
            { type: "outage", at: 500, provider_id: "cheap" },
          ],
        }),
      );
      expect(new Market(scenario, { seed: 1, decisions: 100 }).events.map((e) => e.start)).toEqual([50]);
    });

    it("refuses a provider that would leave at or before it joins, naming the leave's step", () => {
      const events = (leave: number | string, join: number | string) => [
        { type: "provider_leaves" as const, at: leave, provider_id: "cheap" },
        { type: "provider_joins" as const, at: join, provider_id: "cheap" },
      ];
      for (const [leave, join] of [
        [10, 20],
        [20, 20],
        ["10%", 20],
      ] as const) {
        const scenario = parseScenario(tinyScenario({ events: events(leave, join) }));
        expect(() => new Market(scenario, { seed: 1, decisions: 100 })).toThrow(
          expect.objectContaining({ field: "events[0].at", message: expect.stringMatching(/would never be present/) }),
        );
      }
      // Joining first, then leaving, is a window: present in between.
      const market = new Market(parseScenario(tinyScenario({ events: events(30, 20) })), { seed: 1, decisions: 100 });
      expect(market.request(25).providers.map((p) => p.provider_id)).toContain("cheap");
      expect(market.request(35).providers.map((p) => p.provider_id)).not.toContain("cheap");
    });

    it("refuses price spikes that, in force together, would advertise a price beyond what a request may carry", () => {
      // steady's a100 is 2: ×1,000 then ×1,000 is 2,000,000, above the request's 1,000,000.
      const spikes = (second: { at: number | string; duration?: number | string }) =>
        parseScenario(
          tinyScenario({
            events: [
              { type: "price_spike", at: 10, duration: 20, factor: 1000 },
              { type: "price_spike", ...second, factor: 1000, provider_ids: ["steady"] },
            ],
          }),
        );
      expect(() => new Market(spikes({ at: 25 }), { seed: 1, decisions: 100 })).toThrow(
        expect.objectContaining({
          field: "events[1].factor",
          message:
            'events[1].factor: price spikes in force together at step 25 (events[0], events[1]) would raise provider "steady"\'s a100 price to 2000000, above 1,000,000, the most a request may carry: lower a factor or move the spikes apart',
        }),
      );
      // Started first, the other spike's start is where they meet.
      expect(() => new Market(spikes({ at: 5, duration: 10 }), { seed: 1, decisions: 100 })).toThrow(
        expect.objectContaining({ field: "events[0].factor" }),
      );
      // One after the other, or the second past the end of the run, they never multiply.
      expect(() => new Market(spikes({ at: 30 }), { seed: 1, decisions: 100 })).not.toThrow();
      expect(() => new Market(spikes({ at: 25 }), { seed: 1, decisions: 25 })).not.toThrow();
      // Shares become steps with the run's length: "30%" of 100 meets the first spike, of 1,000 does not.
      expect(() => new Market(spikes({ at: "25%" }), { seed: 1, decisions: 100 })).toThrow(/^events\[1\]\.factor:/);
      expect(() => new Market(spikes({ at: "25%" }), { seed: 1, decisions: 1000 })).not.toThrow();
    });

    it("refuses spikes whose product peaks where one ends (a factor below 1), naming the later one in force", () => {
      // ×1,000 throughout, ×0.001 for steps 0–99, ×1,000 from step 50: 2 × 10⁶ from step 100.
      const scenario = parseScenario(
        tinyScenario({
          events: [
            { type: "price_spike", at: 0, factor: 1000, provider_ids: ["steady"] },
            { type: "price_spike", at: 0, duration: 100, factor: 0.001, provider_ids: ["steady"] },
            { type: "price_spike", at: 50, factor: 1000, provider_ids: ["steady"] },
          ],
        }),
      );
      expect(() => new Market(scenario, { seed: 1, decisions: 200 })).toThrow(
        expect.objectContaining({
          field: "events[2].factor",
          message: expect.stringMatching(
            /^events\[2\]\.factor: price spikes in force together at step 100 \(events\[0\], events\[2\]\)/,
          ),
        }),
      );
      // A run that ends before the low spike does never advertises the peak.
      expect(() => new Market(scenario, { seed: 1, decisions: 100 })).not.toThrow();
    });

    it("applies overlapping reputation drops in the order they begin, whatever their order in the file", () => {
      const to80 = { type: "reputation_drop" as const, at: 10, duration: 60, provider_id: "steady", to: 80 };
      const by30 = { type: "reputation_drop" as const, at: 20, duration: 20, provider_id: "steady", by: 30 };
      for (const events of [
        [to80, by30],
        [by30, to80],
      ]) {
        const market = new Market(parseScenario(tinyScenario({ events })), { seed: 1, decisions: 100 });
        const reputation = (step: number) => market.request(step).providers.find((p) => p.provider_id === "steady")?.reputation;
        expect([reputation(15), reputation(25), reputation(50)]).toEqual([80, 50, 80]);
      }
    });

    it("draws tenants by weight however large the weights are", () => {
      const tenant = (tenant_id: string, weight: number) => ({
        tenant_id,
        weight,
        regions: ["r1"],
        workloads: [{ workload_type: `${tenant_id}-jobs`, gpu_types: ["a100"], gpu_hours: [1, 1] as [number, number] }],
      });
      for (const weight of [1, 1e308, 5e-324]) {
        const scenario = parseScenario(tinyScenario({ tenants: [tenant("a", weight), tenant("b", weight)] }));
        const market = new Market(scenario, { seed: 1, decisions: 2000 });
        let a = 0;
        for (let step = 0; step < 2000; step++) if (market.request(step).context.workload_type === "a-jobs") a++;
        // Half each: 1,000 ± 3 standard deviations (22).
        expect([weight, Math.abs(a - 1000) < 70]).toEqual([weight, true]);
      }
    });

    it("keeps out a provider whose join falls after the run", () => {
      const scenario = parseScenario(tinyScenario({ events: [{ type: "provider_joins", at: 500, provider_id: "cheap" }] }));
      const market = new Market(scenario, { seed: 1, decisions: 100 });
      expect(market.request(99).providers.map((p) => p.provider_id)).toEqual(["steady"]);
    });
  });

  describe("hidden truth and outcomes", () => {
    it("combines base, regional and GPU failure rates as independent causes", () => {
      const scenario = loadScenario("many-states");
      const market = new Market(scenario, { seed: 1 });
      const { hidden } = scenario.providers.find((p) => p.provider_id === "meshcompute")!;
      const base = hidden.failure_rate;
      const region = hidden.extra_failure_rate_by_region?.["ap-south-3"] as number;
      const gpu = hidden.extra_failure_rate_by_gpu?.["h200"] as number;
      expect(base * region * gpu).toBeGreaterThan(0);
      const context: Context = { workload_type: "llm_training", gpu_type: "h200", region: "ap-south-3", gpu_hours: 2 };
      expect(market.truth(0, context, "meshcompute").failureProbability).toBeCloseTo(
        1 - (1 - base) * (1 - region) * (1 - gpu),
        12,
      );
      expect(market.truth(0, { ...context, region: "eu-west-1", gpu_type: "t4" }, "meshcompute").failureProbability).toBeCloseTo(
        base,
        12,
      );
    });

    it("keeps truth and outcomes within what feedback may carry, however far the hidden values and spikes go", () => {
      const scenario = parseScenario(
        tinyScenario({
          providers: [
            {
              provider_id: "steady",
              advertised: { prices: { a100: 1_000_000 }, latency_ms: 100, reputation: 90, regions: ["r1"] },
              hidden: { failure_rate: 0, latency_mean_ms: 1e9, latency_sd_ms: 1e9, cost_factor: 1e300, cost_cv: 1e300 },
            },
            {
              provider_id: "cheap",
              advertised: { prices: { a100: 1 }, latency_ms: 50, reputation: 80, regions: ["r1"] },
              hidden: { failure_rate: 0, latency_mean_ms: 0, latency_sd_ms: 1e-300, cost_factor: 1, cost_cv: 1e300 },
            },
          ],
          tenants: [
            { tenant_id: "t", regions: ["r1"], workloads: [{ workload_type: "w", gpu_types: ["a100"], gpu_hours: [1e9, 1e9] }] },
          ],
          events: [
            { type: "latency_spike", at: 0, provider_id: "steady", factor: 1e300 },
            { type: "latency_spike", at: 0, provider_id: "cheap", factor: 1e300 },
            { type: "latency_spike", at: 0, provider_id: "cheap", factor: 1e300 },
          ],
        }),
      );
      const market = new Market(scenario, { seed: 1, decisions: 100 });
      for (let step = 0; step < 100; step++) {
        const { context } = market.request(step);
        for (const id of ["steady", "cheap"]) {
          const truth = market.truth(step, context, id);
          expect(truth.latencyMeanMs).toBeLessThanOrEqual(MAX_LATENCY_MS);
          expect(truth.costMeanUsd).toBeLessThanOrEqual(MAX_COST_USD);
          expect(Object.values(truth).every(Number.isFinite)).toBe(true);
          expect(outcomeSchema.safeParse(market.outcome(step, context, id, "d")).success).toBe(true);
        }
      }
      const { context } = market.request(0);
      expect(market.truth(0, context, "steady")).toMatchObject({ latencyMeanMs: 1e9, costMeanUsd: 1e15 });
      expect(market.truth(0, context, "cheap").latencyMeanMs).toBe(0);
    });

    it("reads GPU types and regions named like Object.prototype members as ordinary keys", () => {
      const parsed = parseScenario(tinyScenario());
      const [steady, cheap] = parsed.providers;
      // Plain objects, as a hand-built scenario would have them, not parseScenario's null-prototype ones.
      const odd = {
        ...steady!,
        advertised: { ...steady!.advertised, prices: { a100: 2 }, regions: ["r1", "constructor"] },
        hidden: { ...steady!.hidden, extra_failure_rate_by_region: { toString: 0.5 }, extra_failure_rate_by_gpu: { a100: 0.2 } },
      };
      const market = new Market({ ...parsed, providers: [odd, cheap!] }, { seed: 1 });
      const context: Context = { workload_type: "w", gpu_type: "constructor", region: "constructor", gpu_hours: 1 };
      expect(market.truth(0, context, "steady").failureProbability).toBe(0);
      expect(market.truth(0, { ...context, region: "toString" }, "steady").failureProbability).toBe(0.5);
      expect(market.truth(0, { ...context, gpu_type: "a100" }, "steady").failureProbability).toBeCloseTo(0.2, 12);
      expect(market.truth(0, context, "steady").costMeanUsd).toBe(2);
    });

    it("draws an outcome from the step and provider alone: same answer whoever asks, in any order", () => {
      const market = new Market(loadScenario("calm"), { seed: 3 });
      const { context } = market.request(42);
      const first = market.outcome(42, context, "meshcompute", "a");
      market.outcome(42, context, "stratus-gpu", "b");
      market.outcome(41, market.request(41).context, "meshcompute", "c");
      expect(market.outcome(42, context, "meshcompute", "another-decision-id")).toEqual({
        ...first,
        decision_id: "another-decision-id",
      });
      expect(new Market(loadScenario("calm"), { seed: 4 }).outcome(42, context, "meshcompute", "a")).not.toEqual(first);
    });

    it("bills exactly price × hours × cost_factor and reports the real latency when there is no noise", () => {
      const market = new Market(parseScenario(tinyScenario()), { seed: 1 });
      const context = market.request(0).context;
      expect(market.outcome(0, context, "steady", "d")).toEqual({
        decision_id: "d",
        success: true,
        actual_cost_usd: 2,
        actual_latency_ms: 100,
        provider_id: "steady",
      });
    });

    it("fails a job at the hidden rate, costing nothing", () => {
      const market = new Market(parseScenario(tinyScenario({ decisions: 4000 })), { seed: 1 });
      const outcomes = Array.from({ length: 4000 }, (_, step) =>
        market.outcome(step, market.request(step).context, "cheap", "d"),
      );
      const failures = outcomes.filter((o) => !o.success);
      expect(failures.length / outcomes.length).toBeGreaterThan(0.47);
      expect(failures.length / outcomes.length).toBeLessThan(0.53);
      expect(failures.every((o) => o.actual_cost_usd === 0 && o.error_reason === "job_failed")).toBe(true);
    });

    it("draws real latency and cost around their hidden means", () => {
      const market = new Market(loadScenario("calm"), { seed: 9, decisions: 5000 });
      let latency = 0;
      let costRatio = 0;
      for (let step = 0; step < 5000; step++) {
        const { context } = market.request(step);
        const outcome = market.outcome(step, context, "nimbus-cloud", "d");
        latency += outcome.actual_latency_ms;
        if (outcome.success) costRatio += outcome.actual_cost_usd / market.truth(step, context, "nimbus-cloud").costMeanUsd;
        else costRatio += 1;
      }
      expect(latency / 5000).toBeGreaterThan(64);
      expect(latency / 5000).toBeLessThan(66);
      expect(costRatio / 5000).toBeGreaterThan(0.998);
      expect(costRatio / 5000).toBeLessThan(1.002);
    });
  });

  describe("invalid use", () => {
    const market = new Market(parseScenario(tinyScenario()), { seed: 1 });

    it("names a step outside the run", () => {
      expect(() => market.request(100)).toThrow(ValidationError);
      expect(() => market.request(-1)).toThrow(/^step: must be an integer from 0 to 99/);
      expect(() => market.request(1.5)).toThrow(/^step:/);
    });

    it("names an unknown provider", () => {
      expect(() => market.truth(0, market.request(0).context, "ghost")).toThrow(/^providerId: unknown provider "ghost"/);
    });

    it("shows a provider's lowest price for a GPU type it lacks, among 200,000 GPU types", () => {
      const prices = Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`g${i}`, 3 + (i % 7)]));
      const base = tinyScenario();
      const steady = base.providers[0] as ScenarioInput["providers"][number];
      const scenario = parseScenario({
        ...base,
        providers: [{ ...steady, advertised: { ...steady.advertised, prices: { ...prices, a100: 2 } } }, base.providers[1]],
        tenants: [
          { tenant_id: "t", regions: ["r1"], workloads: [{ workload_type: "w", gpu_types: ["a100", "g5"], gpu_hours: [1, 1] }] },
        ],
      });
      const market = new Market(scenario, { seed: 1 });
      const step = stepFor(market, 0, "g5");
      expect(record(market.request(step), "cheap")?.price_usd_per_hour).toBe(1);
      expect(record(market.request(step), "steady")?.price_usd_per_hour).toBe(8);
    });

    it("names a seed that is not an integer and a bad run length", () => {
      expect(() => new Market(parseScenario(tinyScenario()), { seed: 0.5 })).toThrow(/^seed:/);
      expect(() => new Market(parseScenario(tinyScenario()), { seed: 1, decisions: 0 })).toThrow(/^decisions:/);
    });
  });
});
