import { ManualClock, ValidationError } from "@aurora/domain";
import type { PolicyConfig } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { MemoryStore } from "./memory-store.js";
import { type EngineEvent, RoutingEngine } from "./routing-engine.js";

/** A MemoryStore through which another replica's events arrive (`EngineStore.subscribe`) when the test delivers them. */
class StreamedStore extends MemoryStore {
  static #listeners = new WeakMap<EngineEvent[], (event: EngineEvent) => void>();
  readonly #inbox: EngineEvent[];

  constructor(inbox: EngineEvent[]) {
    super();
    this.#inbox = inbox;
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    StreamedStore.#listeners.set(this.#inbox, listener);
    return () => StreamedStore.#listeners.delete(this.#inbox);
  }

  /** Hands the events waiting in `inbox` to the replica reading it. */
  static deliver(inbox: EngineEvent[]): void {
    const listener = StreamedStore.#listeners.get(inbox);
    for (const event of inbox.splice(0)) listener?.(event);
  }
}

/** What a linear policy learned (its snapshot's `model`; the distinct-state counter hashes with random seeds). */
const learnedModel = (engine: RoutingEngine) => (engine.policy.toJSON() as unknown as { model: unknown }).model;

/** p0 is the cheapest and looks best, but is down: every job sent there fails. */
const providers = market(4);
const DOWN = "p0";

/**
 * A router that fails over as the README's loop does: the chosen provider first, then
 * `metadata.alternatives` in order, and one feedback for the provider the job ended on. With
 * `report`, it names the providers that failed first in `failed_before`. Returns how often the
 * down provider was the engine's choice in the last half of the jobs.
 */
async function failover(engine: RoutingEngine, jobs: number, report: boolean): Promise<number> {
  let chosenDown = 0;
  for (let i = 0; i < jobs; i++) {
    const { provider_id, metadata } = engine.decide({ context, providers });
    if (i >= jobs / 2 && provider_id === DOWN) chosenDown++;
    const tried = [provider_id as string, ...metadata.alternatives.map((a) => a.provider_id)];
    const endedOn = tried.find((id) => id !== DOWN) as string;
    const failed = tried.slice(0, tried.indexOf(endedOn));
    await engine.feedback({
      decision_id: metadata.decision_id,
      success: true,
      actual_cost_usd: 2,
      actual_latency_ms: 90,
      provider_id: endedOn,
      ...(report && failed.length > 0 ? { failed_before: failed } : {}),
    });
  }
  return chosenDown;
}

describe("failed_before: providers a router tried first and that failed", () => {
  // Not q-learning: with its initial Q of 0 it moves to whichever provider first earned a positive reward (the fallback).
  it.each(["lin-ucb", "lin-thompson", "ucb1", "thompson", "linear-value"] as const)(
    "%s stops choosing a provider that is down once the router names it, and keeps choosing it when it does not",
    async (kind) => {
      const jobs = 200;
      const named = await failover(new RoutingEngine({ seed: 3, policy: { kind } }), jobs, true);
      const unnamed = await failover(new RoutingEngine({ seed: 3, policy: { kind } }), jobs, false);
      // Named: the down provider is left once its failures are learned (tried again now and then, as exploration goes).
      expect(named).toBeLessThanOrEqual(10);
      // Not named: nothing tells the engine it failed, and the cheapest provider stays its first choice.
      expect(unnamed).toBeGreaterThanOrEqual(50);
    },
  );

  it("learns each failed provider as a failed job of the decision, not as a feedback: counts and ε move once per feedback", async () => {
    const plain = new RoutingEngine({ seed: 5 });
    const failingOver = new RoutingEngine({ seed: 5 });
    for (const engine of [plain, failingOver]) {
      const { metadata } = engine.decide({ context, providers });
      const alternatives = metadata.alternatives.map((a) => a.provider_id);
      await engine.feedback({
        decision_id: metadata.decision_id,
        success: true,
        actual_cost_usd: 2,
        actual_latency_ms: 90,
        provider_id: alternatives[1],
        ...(engine === failingOver ? { failed_before: [alternatives[0] as string] } : {}),
      });
    }
    const a = plain.getStatus();
    const b = failingOver.getStatus();
    expect(b.strategist.total_rewards).toBe(1);
    expect(b.strategist.epsilon).toBe(a.strategist.epsilon);
    expect(b.strategist.avg_reward_100).toBe(a.strategist.avg_reward_100);
    // The failed provider was learned: its Q-value moved from the initial 0 towards the failure reward.
    const record = failingOver.getDecision(failingOver.getAuditTrail({ limit: 1 })[0]?.decision_id as string);
    const failedId = record?.outcome?.failed_before?.[0] as string;
    expect(failedId).toBeDefined();
    const q = (engine: RoutingEngine) => (engine.policy.toJSON() as { q_table: Record<string, Record<string, number>> }).q_table;
    const stateKey = record?.state_key as string;
    expect(q(plain)[stateKey]?.[failedId] ?? 0).toBe(0);
    expect(q(failingOver)[stateKey]?.[failedId]).toBeLessThan(0);
  });

  it("refuses, naming failed_before[i], a provider the decision did not offer or the one the job ended on; the decision stays open", async () => {
    const engine = new RoutingEngine({ seed: 1 });
    const { provider_id, metadata } = engine.decide({ context, providers });
    const outcome = { decision_id: metadata.decision_id, success: true, actual_cost_usd: 2, actual_latency_ms: 90 };
    const fallback = metadata.alternatives[0]?.provider_id as string;
    const refusal = async (extra: object) => {
      try {
        await engine.feedback({ ...outcome, ...extra });
      } catch (error) {
        return error as ValidationError;
      }
      throw new Error("accepted");
    };
    const unknown = await refusal({ provider_id: fallback, failed_before: [provider_id, "nowhere"] });
    expect(unknown).toBeInstanceOf(ValidationError);
    expect(unknown.field).toBe("failed_before[1]");
    expect(unknown.message).toMatch(/"nowhere" is neither the chosen provider .* nor one of the decision's 3 alternatives/);
    // provider_id left out: the job ended on the chosen provider, which cannot also have failed first.
    expect((await refusal({ failed_before: [provider_id] })).field).toBe("failed_before[0]");
    expect((await refusal({ provider_id: fallback, failed_before: [fallback] })).message).toMatch(
      /is the provider the job ended on/,
    );
    expect((await refusal({ provider_id: fallback, failed_before: [provider_id, provider_id] })).field).toBe("failed_before[1]");
    expect(engine.getStatus().strategist.total_rewards).toBe(0);
    await expect(
      engine.feedback({ ...outcome, provider_id: fallback, failed_before: [provider_id as string] }),
    ).resolves.toBeTypeOf("number");
  });

  it("learns nothing from feedback whose reward no policy learns, so that its retry learns the failed tries once", async () => {
    const options = { seed: 6, rewardWeights: { cost: 100 } };
    const refused = new RoutingEngine(options);
    const clean = new RoutingEngine(options);
    const feedbacks: [RoutingEngine, number][] = [
      [refused, 1e15],
      [refused, 2],
      [clean, 2],
    ];
    const decided = new Map([refused, clean].map((engine) => [engine, engine.decide({ context, providers })]));
    for (const [engine, cost] of feedbacks) {
      const { provider_id, metadata } = decided.get(engine) as ReturnType<RoutingEngine["decide"]>;
      const sent = engine.feedback({
        decision_id: metadata.decision_id,
        success: true,
        actual_cost_usd: cost,
        actual_latency_ms: 90,
        provider_id: metadata.alternatives[0]?.provider_id,
        failed_before: [provider_id as string],
      });
      if (cost === 1e15) await expect(sent).rejects.toMatchObject({ field: "reward" });
      else await sent;
    }
    expect(refused.policy.toJSON()).toEqual(clean.policy.toJSON());
  });

  it("judges an A/B arm's pick by its failure when it failed first, though the job ended well on a fallback, also after a restart", async () => {
    const split = {
      kind: "ab",
      arms: [
        { name: "one", share: 0.5, policy: { kind: "lin-ucb" } },
        { name: "two", share: 0.5, policy: { kind: "lin-ucb" } },
      ],
    } satisfies PolicyConfig;
    const store = new MemoryStore();
    const clock = new ManualClock(0);
    const engine = await RoutingEngine.open({ store, policy: split, seed: 2, clock, autoSave: false });
    // Each decision's arm and what its pick earned: −20 when the pick failed first, else the reward learned.
    const judgedBy = new Map<string, number[]>();
    for (let i = 0; i < 8; i++) {
      const { provider_id, metadata } = engine.decide({ context, providers });
      const chosenFailed = i % 2 === 0;
      const reward = await engine.feedback({
        decision_id: metadata.decision_id,
        success: true,
        actual_cost_usd: 2,
        actual_latency_ms: 90,
        ...(chosenFailed ? { provider_id: metadata.alternatives[0]?.provider_id, failed_before: [provider_id as string] } : {}),
      });
      expect(reward).toBeGreaterThan(0); // the job ended well: that is what is learned, for the provider it ran on
      const arm = metadata.arm as string;
      judgedBy.set(arm, [...(judgedBy.get(arm) ?? []), chosenFailed ? -20 : reward]);
    }
    const judged = (e: RoutingEngine) =>
      (e.getStatus().strategist.ab?.arms ?? []).map((arm) => [arm.name, arm.rewards.count, arm.rewards.mean]);
    const live = judged(engine);
    for (const [name, count, mean] of live) {
      const expected = judgedBy.get(name as string) ?? [];
      expect(count).toBe(expected.length);
      expect(mean).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / Math.max(1, expected.length), 9);
    }
    const restarted = await RoutingEngine.open({ store, policy: split, seed: 2, clock });
    expect(judged(restarted)).toEqual(live);
    await restarted.close();
  });

  it("is replayed after a restart: the restarted model holds the failed attempts as the live engine learned them", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock(0);
    const live = await RoutingEngine.open({ store, policy: { kind: "lin-ucb" }, seed: 9, clock, autoSave: false });
    await failover(live, 40, true);
    // The engine dies here: the restart replays every event, the outcomes' failed attempts with them.
    const restarted = await RoutingEngine.open({ store, policy: { kind: "lin-ucb" }, seed: 9, clock });
    expect(learnedModel(restarted)).toEqual(learnedModel(live));
    expect(restarted.getStatus().strategist.total_rewards).toBe(40);
    await restarted.close();
  });

  it("is learned by another replica from the outcome event, as the replica that took the feedback learned it", async () => {
    const clock = new ManualClock(0);
    const toA: EngineEvent[] = [];
    const toB: EngineEvent[] = [];
    const a = await RoutingEngine.open({
      store: new StreamedStore(toA),
      policy: { kind: "lin-ucb" },
      seed: 1,
      clock,
      onEvent: (e) => toB.push(e),
    });
    const b = await RoutingEngine.open({
      store: new StreamedStore(toB),
      policy: { kind: "lin-ucb" },
      seed: 2,
      clock,
      onEvent: (e) => toA.push(e),
    });
    for (let i = 0; i < 20; i++) {
      const { provider_id, metadata } = a.decide({ context, providers });
      StreamedStore.deliver(toB);
      const fallback = metadata.alternatives[0]?.provider_id as string;
      await b.feedback({
        decision_id: metadata.decision_id,
        success: true,
        actual_cost_usd: 2,
        actual_latency_ms: 90,
        provider_id: fallback,
        failed_before: [provider_id as string],
      });
      StreamedStore.deliver(toA);
    }
    expect(learnedModel(a)).toEqual(learnedModel(b));
    expect(a.getStatus().strategist.total_rewards).toBe(20);
    await Promise.all([a.close(), b.close()]);
  });
});
