import { createRng, type Rng, stateKey, ValidationError } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compliantProviders } from "./compliance.js";
import { RouterFailedError } from "./errors.js";
import { listScenarios, loadScenario } from "./load-scenario.js";
import { Market } from "./market.js";
import { oracleRouter } from "./oracle-router.js";
import { randomRouter } from "./random-router.js";
import { ruleRouter } from "./rule-router.js";
import { runSimulation } from "./run-simulation.js";
import type { ScenarioInput } from "./scenario.js";
import type { SimOutcome, SimRouter } from "./sim-router.js";
import { specReward } from "./testing/spec-reward.js";
import { tinyScenario } from "./testing/tiny-scenario.js";

/** A small learner: per state, a running mean per provider, optimistic start, fixed ε. */
function greedyLearner(rng: Rng, epsilon = 0.05): SimRouter {
  const values = new Map<string, Map<string, number>>();
  const pending = new Map<string, { key: string; provider: string; reputation: number }>();
  return {
    name: "learner",
    decide(request, step) {
      const candidates = compliantProviders(request);
      if (candidates.length === 0) return { provider_id: null };
      const key = stateKey(request.context);
      const row = values.get(key) ?? new Map<string, number>();
      values.set(key, row);
      let pick = candidates[0]!;
      if (rng() < epsilon) pick = candidates[Math.floor(rng() * candidates.length)]!;
      else for (const c of candidates) if ((row.get(c.provider_id) ?? 12) > (row.get(pick.provider_id) ?? 12)) pick = c;
      const decision_id = `learner-${step}`;
      pending.set(decision_id, { key, provider: pick.provider_id, reputation: pick.reputation });
      return { provider_id: pick.provider_id, decision_id, extra: { epsilon } };
    },
    feedback(outcome) {
      const { key, provider, reputation } = pending.get(outcome.decision_id)!;
      pending.delete(outcome.decision_id);
      const row = values.get(key)!;
      const old = row.get(provider) ?? 12;
      row.set(provider, old + 0.2 * (specReward(outcome, reputation) - old));
    },
  };
}

const fixed = (name: string, pick: (step: number) => string | null): SimRouter => ({
  name,
  decide: (_request, step) => ({ provider_id: pick(step) }),
});

/** A router that picks anything at all: compliant, violating, unknown or nothing. */
function chaosRouter(rng: () => number): SimRouter {
  return {
    name: "chaos",
    decide(request) {
      const roll = Math.floor(rng() * (request.providers.length + 2));
      if (roll === request.providers.length) return { provider_id: null };
      if (roll > request.providers.length) return { provider_id: "ghost" };
      return { provider_id: request.providers[roll]!.provider_id };
    },
  };
}

describe("runSimulation", () => {
  describe("on a market computable by hand", () => {
    it("measures reward, regret, failures, cost, latency and shares exactly", async () => {
      const result = await runSimulation({
        scenario: tinyScenario(),
        routers: [ruleRouter(), oracleRouter()],
        seed: 1,
        reward: specReward,
      });
      const [rule, oracle] = result.routers;

      expect(result.oracleMeanExpectedReward).toBeCloseTo(8.7, 12);
      expect(oracle).toMatchObject({ cumulativeRegret: 0, failureRate: 0, meanCostUsd: 2, meanLatencyMs: 100 });
      expect(oracle?.meanReward).toBeCloseTo(8.7, 12);
      expect({ ...oracle?.share }).toEqual({ steady: 1, cheap: 0 });

      // The rule router always takes cheap: expected 0.5 · 9.4 − 0.5 · 20 = −5.3, so 14 regret per step.
      expect({ ...rule?.share }).toEqual({ steady: 0, cheap: 1 });
      expect(rule?.meanExpectedReward).toBeCloseTo(-5.3, 12);
      expect(rule?.cumulativeRegret).toBeCloseTo(1400, 9);
      expect(rule?.meanReward).toBeCloseTo(9.4 - 29.4 * (rule?.failureRate ?? 0), 9);
      expect(rule?.failureRate).toBeGreaterThan(0.35);
      expect(rule?.failureRate).toBeLessThan(0.65);
      expect(rule?.meanCostUsd).toBe(1);
      expect(rule?.meanLatencyMs).toBe(200);
    });

    it("values a step with no decision at the failure reward", async () => {
      const result = await runSimulation({
        scenario: tinyScenario(),
        routers: [fixed("idle", () => null)],
        seed: 1,
        reward: specReward,
      });
      expect(result.noDecisionReward).toBe(-20);
      expect(result.routers[0]).toMatchObject({
        meanReward: -20,
        meanExpectedReward: -20,
        noDecisionRate: 1,
        failureRate: 1,
        meanCostUsd: null,
      });
      expect(result.routers[0]?.cumulativeRegret).toBeCloseTo(28.7 * 100, 9);
    });

    it("refuses a pick outside the request or against the constraints, as a failed job", async () => {
      const tenants = [
        {
          tenant_id: "t",
          regions: ["r1"],
          constraints: { min_reputation: 85 },
          workloads: [{ workload_type: "w", gpu_types: ["a100"], gpu_hours: [1, 1] as [number, number] }],
        },
      ];
      const outcomes: SimOutcome[] = [];
      const picker = (name: string, id: string): SimRouter => ({
        ...fixed(name, () => id),
        feedback: (o) => void outcomes.push(o),
      });
      const result = await runSimulation({
        scenario: tinyScenario({ tenants, decisions: 10 }),
        routers: [picker("ghostly", "ghost"), picker("rebel", "cheap")],
        seed: 1,
        reward: specReward,
      });
      for (const router of result.routers) expect(router).toMatchObject({ violationRate: 1, failureRate: 1, meanReward: -20 });
      expect({ ...result.routers[0]?.share }).toEqual({ steady: 0, cheap: 0 });
      expect({ ...result.routers[1]?.share }).toEqual({ steady: 0, cheap: 1 });
      expect(outcomes[0]).toEqual({
        decision_id: "ghostly#0",
        success: false,
        actual_cost_usd: 0,
        actual_latency_ms: 0,
        error_reason: "unknown_provider",
        provider_id: "ghost",
      });
      expect(outcomes[1]).toMatchObject({
        success: false,
        error_reason: "constraint_violation: reputation_too_low",
        provider_id: "cheap",
      });
    });
  });

  describe("fairness", () => {
    it("gives the same results for the same seed and different ones for another", async () => {
      const run = (seed: number) =>
        runSimulation({
          scenario: "everything",
          decisions: 1500,
          seed,
          reward: specReward,
          routers: [randomRouter({ rng: createRng(5) }), ruleRouter(), oracleRouter(), greedyLearner(createRng(6))],
        });
      const a = await run(1);
      expect(await run(1)).toEqual(a);
      expect(JSON.stringify(await run(1))).toBe(JSON.stringify(a));
      const b = await run(2);
      expect(b.routers.map((r) => r.meanReward)).not.toEqual(a.routers.map((r) => r.meanReward));
    });

    it("gives a provider's outcome at a step to whichever router picks it (common random numbers)", async () => {
      const seen = [new Map<number, SimOutcome>(), new Map<number, SimOutcome>()];
      const recording = (i: number, seed: number): SimRouter => {
        const inner = randomRouter({ rng: createRng(seed), name: i === 0 ? "random" : "another-random" });
        return { ...inner, feedback: (outcome, step) => void seen[i]!.set(step, outcome) };
      };
      await runSimulation({
        scenario: "calm",
        decisions: 2000,
        seed: 3,
        reward: specReward,
        routers: [recording(0, 10), recording(1, 20)],
      });
      const market = new Market(loadScenario("calm"), { seed: 3, decisions: 2000 });
      let shared = 0;
      for (const [step, first] of seen[0]!) {
        const second = seen[1]!.get(step)!;
        expect(first).toEqual(market.outcome(step, market.request(step).context, first.provider_id, first.decision_id));
        if (second.provider_id === first.provider_id) {
          shared++;
          expect({ ...second, decision_id: "" }).toEqual({ ...first, decision_id: "" });
        }
      }
      expect(shared).toBeGreaterThan(300);
    });

    it("awaits each feedback before the next decision", async () => {
      const log: string[] = [];
      const slow: SimRouter = {
        name: "slow",
        decide(request, step) {
          log.push(`decide ${step}`);
          return { provider_id: request.providers[0]!.provider_id, decision_id: `slow-${step}` };
        },
        async feedback(outcome, step) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          log.push(`learned ${outcome.decision_id} at ${step}`);
        },
      };
      await runSimulation({ scenario: tinyScenario({ decisions: 3 }), routers: [slow], seed: 1, reward: specReward });
      expect(log).toEqual([
        "decide 0",
        "learned slow-0 at 0",
        "decide 1",
        "learned slow-1 at 1",
        "decide 2",
        "learned slow-2 at 2",
      ]);
    });

    it("lets no router beat the oracle's expected reward at any step", async () => {
      const scenarios = listScenarios();
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...scenarios), fc.integer({ min: 0, max: 2 ** 31 }), async (scenario, seed) => {
          const rng = createRng(seed);
          const chaos = chaosRouter(rng);
          const result = await runSimulation({
            scenario,
            decisions: 150,
            sampleEvery: 1,
            seed,
            reward: specReward,
            routers: [chaos, randomRouter({ rng: createRng(seed + 1) }), ruleRouter(), greedyLearner(createRng(seed + 2), 0.3)],
          });
          for (const router of result.routers) {
            router.regretSeries.forEach((regret, i) => {
              expect(regret).toBeGreaterThanOrEqual(i === 0 ? 0 : (router.regretSeries[i - 1] as number));
            });
            expect(router.meanExpectedReward).toBeLessThanOrEqual(result.oracleMeanExpectedReward);
          }
        }),
        { seed: 7, numRuns: 14 },
      );
    });

    it("values a step at least at not placing the job, so a router that never places one has no regret in a market too dear to use", async () => {
      // A 100 GPU-hour job: steady −189.3, cheap −54.8, not placing it −20 (see oracle-router.test.ts).
      const tenants = [
        { tenant_id: "t", regions: ["r1"], workloads: [{ workload_type: "w", gpu_types: ["a100"], gpu_hours: [100, 100] }] },
      ] as ScenarioInput["tenants"];
      const result = await runSimulation({
        scenario: tinyScenario({ tenants }),
        routers: [fixed("idle", () => null), fixed("cheapest", () => "cheap"), oracleRouter()],
        seed: 1,
        reward: specReward,
      });
      const [idle, cheapest, oracle] = result.routers;
      expect(result.oracleMeanExpectedReward).toBe(-20);
      expect(idle?.cumulativeRegret).toBe(0);
      expect(oracle).toMatchObject({ cumulativeRegret: 0, noDecisionRate: 1, meanExpectedReward: -20 });
      expect(cheapest?.cumulativeRegret).toBeCloseTo(34.8 * 100, 9);
    });

    it("never measures a negative regret, in any market, for any router (property)", async () => {
      const provider = (id: string) =>
        fc.record({
          provider_id: fc.constant(id),
          advertised: fc.record({
            prices: fc.record({
              a100: fc.double({ min: 0.01, max: 200, noNaN: true }),
              h100: fc.double({ min: 0.01, max: 200, noNaN: true }),
            }),
            latency_ms: fc.double({ min: 0, max: 1000, noNaN: true }),
            reputation: fc.double({ min: 0, max: 100, noNaN: true }),
            capacity_available: fc.option(fc.double({ min: 0, max: 20, noNaN: true }), { nil: null }),
            regions: fc.subarray(["r1", "r2"], { minLength: 1 }),
          }),
          hidden: fc.record({
            failure_rate: fc.double({ min: 0, max: 1, noNaN: true }),
            latency_mean_ms: fc.double({ min: 0, max: 20_000, noNaN: true }),
            latency_sd_ms: fc.double({ min: 0, max: 500, noNaN: true }),
            cost_factor: fc.double({ min: 0.1, max: 3, noNaN: true }),
          }),
        });
      const market = fc.record({
        providers: fc.tuple(provider("a"), provider("b"), provider("c")),
        constraints: fc.record(
          {
            max_price: fc.double({ min: 0, max: 200, noNaN: true }),
            max_latency_ms: fc.double({ min: 0, max: 1000, noNaN: true }),
            min_reputation: fc.double({ min: 0, max: 100, noNaN: true }),
            max_cost_usd: fc.double({ min: 0, max: 500, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
        hours: fc.tuple(fc.double({ min: 0.1, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true })),
        spike: fc.double({ min: 0.1, max: 10, noNaN: true }),
        seed: fc.integer({ min: 0, max: 2 ** 31 }),
      });
      await fc.assert(
        fc.asyncProperty(market, async ({ providers, constraints, hours, spike, seed }) => {
          const rng = createRng(seed);
          const scenario: ScenarioInput = {
            name: "random",
            decisions: 60,
            // Every provider serves r1 with an a100, so the tenant's region and GPU type are served.
            providers: providers.map((p) => ({
              ...p,
              advertised: { ...p.advertised, regions: [...new Set(["r1", ...p.advertised.regions])] },
            })),
            tenants: [
              {
                tenant_id: "t",
                regions: providers.some((p) => p.advertised.regions.includes("r2")) ? ["r1", "r2"] : ["r1"],
                constraints,
                workloads: [{ workload_type: "w", gpu_types: ["a100", "h100"], gpu_hours: [hours[0], hours[0] + hours[1]] }],
              },
            ],
            events: [
              { type: "price_spike", at: "20%", duration: "30%", factor: spike },
              { type: "outage", at: "50%", provider_id: "b" },
            ],
          };
          const chaos = chaosRouter(rng);
          const result = await runSimulation({
            scenario,
            sampleEvery: 1,
            seed,
            reward: specReward,
            routers: [
              chaos,
              fixed("idle", () => null),
              randomRouter({ rng: createRng(seed + 1) }),
              ruleRouter(),
              greedyLearner(createRng(seed + 2), 0.3),
              oracleRouter(),
            ],
          });
          for (const router of result.routers) {
            // Each step's regret is ≥ 0 exactly; the sums stay so up to float error.
            const tolerance = 1e-9 * Math.max(1, Math.abs(result.oracleMeanExpectedReward) * result.decisions);
            expect(router.cumulativeRegret).toBeGreaterThanOrEqual(-tolerance);
            for (const regret of router.regretSeries) expect(regret).toBeGreaterThanOrEqual(-tolerance);
            expect(router.meanExpectedReward).toBeLessThanOrEqual(result.oracleMeanExpectedReward + tolerance / result.decisions);
          }
          expect(result.routers.at(-1)?.cumulativeRegret).toBe(0);
        }),
        { seed: 11, numRuns: 60 },
      );
    });

    it.each(listScenarios())("measures no regret for the oracle in %s", async (scenario) => {
      const result = await runSimulation({ scenario, decisions: 400, seed: 11, reward: specReward, routers: [oracleRouter()] });
      expect(result.routers[0]?.cumulativeRegret).toBe(0);
      expect(result.routers[0]?.regretSeries.every((r) => r === 0)).toBe(true);
      expect(result.routers[0]?.meanExpectedReward).toBe(result.oracleMeanExpectedReward);
    });
  });

  describe("learnability of the built-in scenarios", () => {
    it("makes the rule router a fair baseline in a calm market: better than random, short of the oracle", async () => {
      const result = await runSimulation({
        scenario: "calm",
        seed: 1,
        reward: specReward,
        routers: [ruleRouter(), randomRouter({ rng: createRng(1) })],
      });
      const [rule, random] = result.routers;
      expect(rule?.cumulativeRegret).toBeLessThan(random?.cumulativeRegret ?? 0);
      expect(rule?.cumulativeRegret).toBeGreaterThan(0);
    });

    it.each(["outage", "newcomer"])("leaves a learner much to gain over the rule router in %s", async (scenario) => {
      const result = await runSimulation({
        scenario,
        seed: 1,
        reward: specReward,
        routers: [ruleRouter(), greedyLearner(createRng(2))],
      });
      const [rule, learner] = result.routers;
      expect((rule?.cumulativeRegret ?? 0) / result.decisions).toBeGreaterThan(1);
      expect(learner?.cumulativeRegret).toBeLessThan((rule?.cumulativeRegret ?? 0) / 2.5);
      expect(learner?.meanReward).toBeGreaterThan((rule?.meanReward ?? 0) + 0.5);
    });

    it("sends the rule router into the hidden outage for its whole window", async () => {
      const result = await runSimulation({
        scenario: "outage",
        decisions: 1000,
        sampleEvery: 50,
        seed: 1,
        reward: specReward,
        routers: [ruleRouter()],
      });
      const { shareSeries } = result.routers[0]!;
      // meshcompute is out from step 300 to 650; windows 6…12 lie inside it.
      for (let w = 6; w < 13; w++) expect(shareSeries["meshcompute"]![w]).toBeGreaterThan(0.3);
      expect(result.events).toEqual([
        { type: "outage", label: "meshcompute outage (hidden)", start: 300, end: 650, providerIds: ["meshcompute"] },
      ]);
    });
  });

  describe("series", () => {
    it("samples every sampleEvery steps and at the end", async () => {
      const result = await runSimulation({
        scenario: tinyScenario(),
        routers: [ruleRouter()],
        seed: 1,
        reward: specReward,
        sampleEvery: 30,
      });
      expect(result.sampleSteps).toEqual([30, 60, 90, 100]);
      const router = result.routers[0]!;
      expect(router.regretSeries).toHaveLength(4);
      expect(router.regretSeries[3]).toBe(router.cumulativeRegret);
      expect(router.regretSeries[0]).toBeCloseTo(14 * 30, 9);
      expect(router.rewardSeries).toHaveLength(4);
      expect(router.shareSeries["cheap"]).toEqual([1, 1, 1, 1]);
    });

    it("uses a hundred windows by default", async () => {
      const result = await runSimulation({
        scenario: tinyScenario({ decisions: 250 }),
        routers: [ruleRouter()],
        seed: 1,
        reward: specReward,
      });
      expect(result.sampleEvery).toBe(3);
      expect(result.sampleSteps).toHaveLength(84);
    });

    it("averages each extra number per window, null before a router first reports it", async () => {
      const router: SimRouter = {
        name: "cooling",
        decide: (_request, step) => ({
          provider_id: "steady",
          extra: step < 50 ? undefined : { epsilon: step < 75 ? 0.5 : 0.25 },
        }),
      };
      const result = await runSimulation({
        scenario: tinyScenario(),
        routers: [router],
        seed: 1,
        reward: specReward,
        sampleEvery: 25,
      });
      expect({ ...result.routers[0]?.extraSeries }).toEqual({ epsilon: [null, null, 0.5, 0.25] });
    });

    it("keys shares by provider id safely, __proto__ included", async () => {
      const base = tinyScenario();
      const providers = base.providers.map((p, i) => (i === 0 ? { ...p, provider_id: "__proto__" } : p));
      const result = await runSimulation({
        scenario: { ...base, providers },
        routers: [oracleRouter()],
        seed: 1,
        reward: specReward,
      });
      const { share } = result.routers[0]!;
      expect(Object.getPrototypeOf(share)).toBeNull();
      expect(Object.keys(share)).toEqual(["__proto__", "cheap"]);
      expect(share["__proto__"]).toBe(1);
      expect(result.providers).toEqual(["__proto__", "cheap"]);
    });
  });

  describe("invalid use", () => {
    const options = { scenario: tinyScenario(), seed: 1, reward: specReward };

    it("names a router that repeats a name", async () => {
      await expect(runSimulation({ ...options, routers: [ruleRouter(), ruleRouter()] })).rejects.toThrow(
        /^routers\[1\]\.name: "rule" is already the name of routers\[0\]/,
      );
    });

    it("names an empty router list, a bad window and a missing reward", async () => {
      await expect(runSimulation({ ...options, routers: [] })).rejects.toThrow(/^routers:/);
      await expect(runSimulation({ ...options, routers: [ruleRouter()], sampleEvery: 0 })).rejects.toThrow(/^sampleEvery:/);
      await expect(runSimulation({ ...options, routers: [ruleRouter()], reward: undefined as never })).rejects.toThrow(
        ValidationError,
      );
      await expect(runSimulation({ ...options, routers: [ruleRouter()], seed: Number.NaN })).rejects.toThrow(/^seed:/);
    });

    it("refuses a reward function that returns no finite number, naming reward, rather than give NaN regret", async () => {
      for (const bad of [Number.NaN, undefined, Number.POSITIVE_INFINITY]) {
        const reward = (outcome: Parameters<typeof specReward>[0], reputation: number) =>
          outcome.success ? (bad as number) : specReward(outcome, reputation);
        await expect(runSimulation({ ...options, routers: [ruleRouter()], reward })).rejects.toThrow(
          /^reward: must return a finite number, returned (NaN|undefined|Infinity) for a successful job/,
        );
      }
    });

    it("names the router and step when a router throws, keeping the cause", async () => {
      const cause = new Error("boom");
      const broken: SimRouter = {
        name: "broken",
        decide: (_r, step) => {
          if (step === 3) throw cause;
          return { provider_id: null };
        },
      };
      const error = await runSimulation({ ...options, routers: [broken] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RouterFailedError);
      expect((error as RouterFailedError).message).toBe('router "broken" failed in decide() at step 3: boom');
      expect((error as RouterFailedError).cause).toBe(cause);
    });

    it("reports a rejected feedback as the router's failure", async () => {
      const sulky: SimRouter = {
        ...fixed("sulky", () => "steady"),
        feedback: async () => Promise.reject(new Error("disk full")),
      };
      await expect(runSimulation({ ...options, routers: [sulky] })).rejects.toThrow(
        'router "sulky" failed in feedback() at step 0: disk full',
      );
    });

    it("reports a decision without a provider_id", async () => {
      const vague: SimRouter = { name: "vague", decide: () => ({}) as never };
      await expect(runSimulation({ ...options, routers: [vague] })).rejects.toThrow(
        /router "vague" failed in decide\(\) at step 0: decide\(\) must return/,
      );
    });
  });
});
