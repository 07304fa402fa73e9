import {
  MAX_COST_USD,
  MAX_GPU_HOURS,
  MAX_LATENCY_MS,
  MAX_PRICE_USD_PER_HOUR,
  ManualClock,
  ValidationError,
} from "@aurora/domain";
import type { RewardUpdate, UpdateResult } from "@aurora/strategist";
import { policyCatalog, Strategist } from "@aurora/strategist";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryStore } from "./memory-store.js";
import type { EngineEvent } from "./routing-engine.js";
import { RoutingEngine } from "./routing-engine.js";

/** Every learning policy the engine offers. */
const LEARNING = Object.keys(policyCatalog);

/** A number anywhere in [min, max], its ends included, and often at them. */
const within = (min: number, max: number) =>
  fc.oneof(
    fc.constant(min),
    fc.constant(max),
    fc.double({ min, max, noNaN: true }),
    fc.double({ min, max: Math.min(max, 10), noNaN: true }),
  );

const providerArb = (id: string) =>
  fc.record({
    provider_id: fc.constant(id),
    price_usd_per_hour: within(0, MAX_PRICE_USD_PER_HOUR),
    latency_ms: within(0, MAX_LATENCY_MS),
    reputation: within(0, 100),
  });

const stepArb = fc.record({
  gpu_hours: within(Number.MIN_VALUE, MAX_GPU_HOURS),
  providers: fc.tuple(providerArb("a"), providerArb("b"), providerArb("c")),
  region: fc.constantFrom("us-west", "eu-central"),
  success: fc.boolean(),
  actual_cost_usd: within(0, MAX_COST_USD),
  actual_latency_ms: within(0, MAX_LATENCY_MS),
});

function finite(values: readonly (number | null | undefined)[]): boolean {
  return values.every((v) => typeof v === "number" && Number.isFinite(v));
}

describe("the wire's bounds (properties)", () => {
  it.each(LEARNING)(
    "keep every estimate of %s finite, whatever requests and outcomes within them it learns from",
    async (kind) => {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 25 }), async (steps) => {
          const engine = new RoutingEngine({ policy: { kind } as never, seed: 1, clock: new ManualClock(0), alternatives: 0 });
          try {
            for (const step of steps) {
              const context = {
                workload_type: "llm_inference",
                gpu_type: "a100",
                region: step.region,
                gpu_hours: step.gpu_hours,
              };
              const { provider_id, metadata } = engine.decide({ context, providers: step.providers, explain: true });
              expect(provider_id).not.toBeNull();
              expect(finite((metadata.candidates ?? []).map((c) => c.estimate))).toBe(true);
              const reward = await engine.feedback({
                decision_id: metadata.decision_id,
                success: step.success,
                actual_cost_usd: step.actual_cost_usd,
                actual_latency_ms: step.actual_latency_ms,
              });
              expect(Number.isFinite(reward)).toBe(true);
            }
            // Learning from them has not broken what it estimates for an ordinary job.
            const after = engine.decide({
              context: { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 },
              providers: steps[0]?.providers ?? [],
              explain: true,
            });
            expect(finite((after.metadata.candidates ?? []).map((c) => c.estimate))).toBe(true);
          } finally {
            await engine.close();
          }
        }),
        { numRuns: Number(process.env.RUNS ?? 25) },
      );
    },
  );
});

describe("the wire's bounds", () => {
  const providers = [
    { provider_id: "a", price_usd_per_hour: 1, latency_ms: 100, reputation: 90 },
    { provider_id: "b", price_usd_per_hour: 2, latency_ms: 100, reputation: 90 },
  ];
  const job = (gpu_hours: number) => ({ workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours });

  it.each([
    ["context.gpu_hours", { context: job(1e308), providers }],
    [
      "providers[1].price_usd_per_hour",
      { context: job(1), providers: [providers[0], { ...providers[1], price_usd_per_hour: 2e6 }] },
    ],
    ["providers[0].latency_ms", { context: job(1), providers: [{ ...providers[0], latency_ms: 1e10 }, providers[1]] }],
    ["constraints.max_cost_usd", { context: job(1), providers, constraints: { max_cost_usd: 1e300 } }],
  ])("refuses a decision beyond them naming %s, and decides as before afterwards", (field, request) => {
    const engine = new RoutingEngine({ policy: { kind: "lin-ucb" }, seed: 1, clock: new ManualClock(0) });
    const before = engine.decide({ context: job(1), providers, explain: true }).metadata.candidates;
    let error: unknown;
    try {
      engine.decide(request as Parameters<RoutingEngine["decide"]>[0]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    expect(engine.decide({ context: job(1), providers, explain: true }).metadata.candidates).toEqual(before);
  });

  it("refuses an outcome beyond them naming its field, and the decision stays open for its feedback", async () => {
    const engine = new RoutingEngine({ policy: { kind: "lin-ucb" }, seed: 1, clock: new ManualClock(0) });
    const { metadata } = engine.decide({ context: job(1), providers });
    const outcome = { decision_id: metadata.decision_id, success: true, actual_cost_usd: 1e308, actual_latency_ms: 100 };
    await expect(engine.feedback(outcome)).rejects.toMatchObject({ field: "actual_cost_usd" });
    expect(await engine.feedback({ ...outcome, actual_cost_usd: 2 })).toBeCloseTo(-2 - 100 / 500 + 90 / 100 + 10, 10);
  });

  it("refuses feedback whose reward, under the engine's reward weights, no policy could learn, and leaves it pending", async () => {
    const engine = new RoutingEngine({
      policy: { kind: "q-learning" },
      seed: 1,
      clock: new ManualClock(0),
      rewardWeights: { cost: 1e300 },
    });
    const { metadata } = engine.decide({ context: job(1), providers });
    const outcome = { decision_id: metadata.decision_id, success: true, actual_cost_usd: 5, actual_latency_ms: 100 };
    await expect(engine.feedback(outcome)).rejects.toMatchObject({ field: "reward" });
    expect(engine.getStatus().strategist.total_rewards).toBe(0);
    expect(engine.getStatus().executor.pending_feedback).toBe(1);
    // A failure's reward is the fixed failure_reward: that one is learned.
    expect(await engine.feedback({ ...outcome, success: false })).toBe(-20);
  });
});

describe("a journal written before the bounds", () => {
  const job = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
  const providers = [
    { provider_id: "a", price_usd_per_hour: 1, latency_ms: 100, reputation: 90 },
    { provider_id: "b", price_usd_per_hour: 2, latency_ms: 100, reputation: 90 },
  ];

  /**
   * A store holding what an older version journaled: a `lin-ucb` engine's events, each passed
   * through `asOlder` on its way in. The engine writing them is returned with one decision made;
   * its closing snapshot goes to the wrapper's own memory, so the store keeps only the events.
   */
  async function olderJournal(asOlder: (event: EngineEvent) => EngineEvent) {
    const store = new MemoryStore();
    const older = new (class extends MemoryStore {
      override append(event: EngineEvent): Promise<void> {
        return store.append(asOlder(event));
      }
    })();
    await store.open();
    const writer = new RoutingEngine({ policy: { kind: "lin-ucb" }, seed: 1, clock: new ManualClock(0), store: older });
    const { metadata } = writer.decide({ context: job, providers });
    const outcome = { decision_id: metadata.decision_id, success: true, actual_cost_usd: 2, actual_latency_ms: 100 };
    return { store, writer, outcome };
  }

  const estimatesOf = (engine: RoutingEngine) =>
    engine.decide({ context: job, providers, explain: true }).metadata.candidates?.map((c) => c.estimate) ?? [];

  it("restarts, leaving an outcome whose reward is beyond ±1e16 unlearned, its decision finished, and says so", async () => {
    // What an older version journaled for feedback with actual_cost_usd 1e300: the reward it learned.
    const { store, writer, outcome } = await olderJournal((event) =>
      event.type === "outcome" ? { ...event, reward: -1e300 } : event,
    );
    await writer.feedback(outcome);
    await writer.close();
    const notes: string[] = [];
    const restarted = new RoutingEngine({
      policy: { kind: "lin-ucb" },
      seed: 1,
      clock: new ManualClock(0),
      store,
      log: (message) => notes.push(message),
    });
    expect(notes).toEqual([
      "1 journaled outcome(s) had a reward beyond ±1e16, which no policy learns (written before that bound): their decisions finished as recorded, without being learned",
    ]);
    expect(restarted.getStatus().strategist.total_rewards).toBe(0);
    await expect(restarted.feedback(outcome)).rejects.toMatchObject({ code: "DUPLICATE_FEEDBACK" });
    expect(finite(estimatesOf(restarted))).toBe(true);
  });

  it("refuses, naming the field, the feedback of a decision beyond them pending at the restart, and the model stays finite", async () => {
    // What an older version journaled for a decision with gpu_hours 1e308, pending at the upgrade.
    const { store, writer, outcome } = await olderJournal((event) =>
      event.type === "decision"
        ? { ...event, record: { ...event.record, context: { ...event.record.context, gpu_hours: 1e308 } } }
        : event,
    );
    await writer.close();
    const restarted = new RoutingEngine({ policy: { kind: "lin-ucb" }, seed: 1, clock: new ManualClock(0), store });
    await expect(restarted.feedback(outcome)).rejects.toMatchObject({ field: "context.gpu_hours" });
    expect(restarted.getStatus().executor.pending_feedback).toBe(1);
    expect(finite(estimatesOf(restarted))).toBe(true);
    await restarted.close();
  });
});

describe("feedback a policy fails to learn", () => {
  const job = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
  const providers = [
    { provider_id: "a", price_usd_per_hour: 1, latency_ms: 100, reputation: 90 },
    { provider_id: "b", price_usd_per_hour: 2, latency_ms: 100, reputation: 90 },
  ];

  /** A plugged-in policy (any object with the Policy interface) whose first update goes wrong as `fail` says. */
  function flaky(fail: () => UpdateResult): Strategist {
    let failures = 1;
    return new (class extends Strategist {
      override update(update: RewardUpdate): UpdateResult {
        return failures-- > 0 ? fail() : super.update(update);
      }
    })();
  }

  it.each([
    [
      "throws",
      () => {
        throw new TypeError("the plugged-in policy failed");
      },
      "the plugged-in policy failed",
    ],
    ["learns NaN", () => ({ before: 0, after: Number.NaN }), "policy q-learning learned a value that is not a finite number"],
  ])(
    "leaves the decision pending and journals nothing when its update %s, so the feedback can be sent again",
    async (_, fail, message) => {
      const events: EngineEvent[] = [];
      const engine = new RoutingEngine({
        policy: flaky(fail),
        seed: 1,
        clock: new ManualClock(0),
        onEvent: (e) => events.push(e),
      });
      const { metadata } = engine.decide({ context: job, providers });
      const outcome = { decision_id: metadata.decision_id, success: true, actual_cost_usd: 2, actual_latency_ms: 100 };
      await expect(engine.feedback(outcome)).rejects.toThrow(message);
      expect(engine.getStatus().executor.pending_feedback).toBe(1);
      expect(engine.getStatus().executor.total_outcomes).toBe(0);
      expect(events.filter((e) => e.type === "outcome")).toHaveLength(0);
      expect(await engine.feedback(outcome)).toBeCloseTo(-2 - 100 / 500 + 90 / 100 + 10, 10);
      expect(engine.getStatus().executor.pending_feedback).toBe(0);
      expect(events.filter((e) => e.type === "outcome")).toHaveLength(1);
    },
  );
});

describe("long runs at the wire's bounds", () => {
  // Found by a decision log of 200 such pairs: lin-ucb and lin-thompson turned to NaN at the 75th,
  // when the ridge regressions' periodic exact inverse divided by a pivot its factorisation had dropped.
  it.each(LEARNING)("%s learns 300 pairs, every tenth at the bounds, and its estimates stay finite", async (kind) => {
    const engine = new RoutingEngine({ policy: { kind } as never, seed: 1, clock: new ManualClock(0), alternatives: 0 });
    const providers = [
      { provider_id: "a", price_usd_per_hour: 1, latency_ms: 100, reputation: 90 },
      { provider_id: "b", price_usd_per_hour: 2, latency_ms: 50, reputation: 95 },
    ];
    for (let i = 0; i < 300; i++) {
      const big = i % 10 === 0;
      const context = { workload_type: "w", gpu_type: "g", region: "r", gpu_hours: big ? MAX_GPU_HOURS : 1 };
      const { metadata } = engine.decide({ context, providers, explain: true });
      expect(finite((metadata.candidates ?? []).map((c) => c.estimate))).toBe(true);
      await engine.feedback({
        decision_id: metadata.decision_id,
        success: i % 7 !== 0,
        actual_cost_usd: big ? MAX_COST_USD : 1,
        actual_latency_ms: big ? MAX_LATENCY_MS : 10,
      });
    }
    await engine.close();
  });
});
