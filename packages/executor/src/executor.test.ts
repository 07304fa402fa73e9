import {
  type Context,
  DuplicateFeedbackError,
  LateFeedbackError,
  ManualClock,
  type Outcome,
  type Provider,
  UnknownDecisionError,
  ValidationError,
} from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { thrown } from "../test/thrown.js";
import type { DecisionInput } from "./decision-record.js";
import { Executor } from "./executor.js";
import type { ExecutorOptions } from "./executor-options.js";

const HOUR = 60 * 60 * 1000;

const provider = (id: string, reputation = 96): Provider => ({
  provider_id: id,
  price_usd_per_hour: 2.5,
  latency_ms: 120,
  reputation,
  gpu_types: ["a100"],
  regions: ["us-west"],
});
const context: Context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const decision = (extra: Partial<DecisionInput> = {}): DecisionInput => ({
  state_key: "llm_inference:a100:us-west",
  provider_id: "akash",
  context,
  provider: provider("akash"),
  metadata: { mode: "exploit" },
  ...extra,
});
const outcome = (decisionId: string, extra: Partial<Outcome> = {}): Outcome => ({
  decision_id: decisionId,
  success: true,
  actual_cost_usd: 2.45,
  actual_latency_ms: 115,
  actual_reputation: 96,
  ...extra,
});
const SEED_REWARD = -2.45 - 115 / 500 + 96 / 100 + 10;

function setup(options: ExecutorOptions = {}) {
  const clock = new ManualClock(1_000);
  let next = 0;
  const executor = new Executor({ clock, newId: () => `d${++next}`, ...options });
  return { clock, executor };
}

function fieldOf(fn: () => unknown): string {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).field;
}

const ids = (list: readonly { record: { decision_id: string } }[]) => list.map((s) => s.record.decision_id);

describe("Executor", () => {
  describe("recordDecision", () => {
    it("logs the decision as pending with a fresh id and the clock's time", () => {
      const { executor } = setup();
      const input = decision();
      const record = executor.recordDecision(input);
      expect(record).toEqual({ ...input, decision_id: "d1", created_at: 1_000 });
      expect(executor.getPending("d1")).toBe(record);
    });

    it("stores the caller's objects without copying them", () => {
      const { executor } = setup();
      const input = decision({ alternatives: [provider("vast")] });
      const record = executor.recordDecision(input);
      expect(record.provider).toBe(input.provider);
      expect(record.context).toBe(input.context);
      expect(record.metadata).toBe(input.metadata);
      expect(record.alternatives).toBe(input.alternatives);
    });

    it("keeps a decision_id it is given", () => {
      const { executor } = setup();
      expect(executor.recordDecision(decision({ decision_id: "mine" })).decision_id).toBe("mine");
      expect(executor.getPending("mine")).toBeDefined();
    });

    it("treats __proto__ and constructor as ordinary ids", () => {
      const { executor } = setup();
      executor.recordDecision(decision({ decision_id: "__proto__" }));
      expect(executor.getPending("constructor")).toBeUndefined();
      executor.recordDecision(decision({ decision_id: "constructor" }));
      expect(executor.recordOutcome(outcome("__proto__")).reward).toBe(SEED_REWARD);
      expect(executor.getPending("constructor")?.decision_id).toBe("constructor");
      expect(thrown(() => executor.recordOutcome(outcome("__proto__")))).toBeInstanceOf(DuplicateFeedbackError);
      expect(thrown(() => executor.recordOutcome(outcome("toString")))).toBeInstanceOf(UnknownDecisionError);
    });

    it("refuses an id that is already pending, and one already finished", () => {
      const { executor } = setup();
      executor.recordDecision(decision({ decision_id: "x" }));
      expect(fieldOf(() => executor.recordDecision(decision({ decision_id: "x" })))).toBe("decision_id");
      executor.recordOutcome(outcome("x"));
      expect(fieldOf(() => executor.recordDecision(decision({ decision_id: "x" })))).toBe("decision_id");
      expect(executor.stats().total_decisions).toBe(1);
    });

    it("refuses an id from a custom newId that is already pending", () => {
      const executor = new Executor({ clock: new ManualClock(0), newId: () => "same" });
      executor.recordDecision(decision());
      expect(fieldOf(() => executor.recordDecision(decision()))).toBe("decision_id");
    });

    it("refuses an id from a custom newId that is not an id, as a given one, before logging anything", () => {
      for (const id of ["", "x".repeat(201), 42, null, undefined]) {
        const executor = new Executor({ clock: new ManualClock(0), newId: () => id as string });
        expect(fieldOf(() => executor.recordDecision(decision()))).toBe("decision_id");
        expect(executor.stats().pending_feedback).toBe(0);
      }
    });

    it("refuses a decision that is not an object, and options that are not, with a ValidationError", () => {
      const { executor } = setup();
      expect(fieldOf(() => executor.recordDecision(undefined as never))).toBe("(root)");
      expect(fieldOf(() => executor.restorePending(null as never))).toBe("(root)");
      expect(fieldOf(() => new Executor(null as never))).toBe("(root)");
    });

    it("gives fresh random UUIDs by default", () => {
      const executor = new Executor({ clock: new ManualClock(0) });
      const first = executor.recordDecision(decision()).decision_id;
      const second = executor.recordDecision(decision()).decision_id;
      expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(second).not.toBe(first);
    });

    it("refuses an empty decision_id", () => {
      const { executor } = setup();
      expect(fieldOf(() => executor.recordDecision(decision({ decision_id: "" })))).toBe("decision_id");
    });

    it("refuses a provider_id that is not the chosen provider's", () => {
      const { executor } = setup();
      expect(fieldOf(() => executor.recordDecision(decision({ provider_id: "vast" })))).toBe("provider_id");
      expect(executor.stats().pending_feedback).toBe(0);
    });

    it("refuses a provider or an alternative whose reputation is not from 0 to 100, recording nothing", () => {
      const { executor } = setup();
      const vast = provider("vast");
      expect(fieldOf(() => executor.recordDecision(decision({ provider: provider("akash", Number.NaN) })))).toBe(
        "provider.reputation",
      );
      expect(fieldOf(() => executor.recordDecision(decision({ alternatives: [vast, provider("render", 101)] })))).toBe(
        "alternatives[1].reputation",
      );
      expect(fieldOf(() => executor.recordDecision(decision({ alternatives: [vast, null as never] })))).toBe("alternatives[1]");
      expect(executor.stats()).toMatchObject({ total_decisions: 0, pending_feedback: 0 });
    });

    it("counts decisions and pending feedback", () => {
      const { executor } = setup();
      executor.recordDecision(decision());
      executor.recordDecision(decision());
      expect(executor.stats()).toMatchObject({ total_decisions: 2, pending_feedback: 2 });
    });
  });

  describe("recordOutcome", () => {
    it("returns the reward, the record and the provider, and removes the decision from pending", () => {
      const { executor } = setup();
      const record = executor.recordDecision(decision());
      const result = executor.recordOutcome(outcome("d1"));
      expect(result.reward).toBe(SEED_REWARD);
      expect(result.record).toBe(record);
      expect(result.provider).toBe(record.provider);
      expect(executor.getPending("d1")).toBeUndefined();
    });

    it("keeps the seed's statistics over all outcomes", () => {
      const { executor } = setup();
      for (let i = 0; i < 3; i++) executor.recordDecision(decision());
      executor.recordOutcome(outcome("d1", { actual_cost_usd: 2, actual_latency_ms: 100 }));
      executor.recordOutcome(outcome("d2", { success: false, actual_cost_usd: 4, actual_latency_ms: 300 }));
      expect(executor.stats()).toEqual({
        total_decisions: 3,
        total_outcomes: 2,
        success_rate: 0.5,
        avg_cost_usd: 3,
        avg_latency_ms: 200,
        pending_feedback: 1,
        late_feedback: 0,
        duplicate_feedback: 0,
        settled_expired: 0,
        settled_evicted: 0,
        settled_dropped: 0,
      });
    });

    it("reports zero rates and averages before any outcome", () => {
      const { executor } = setup();
      expect(executor.stats()).toMatchObject({ total_outcomes: 0, success_rate: 0, avg_cost_usd: 0, avg_latency_ms: 0 });
    });

    it("uses the chosen provider's advertised reputation when none was observed", () => {
      const { executor } = setup();
      executor.recordDecision(decision({ provider: provider("akash", 50) }));
      const { actual_reputation: _, ...unobserved } = outcome("d1");
      expect(executor.recordOutcome(unobserved).reward).toBe(-2.45 - 115 / 500 + 50 / 100 + 10);
    });

    it("uses the configured reward weights", () => {
      const { executor } = setup({ rewardWeights: { failure_reward: -7 } });
      executor.recordDecision(decision());
      expect(executor.recordOutcome(outcome("d1", { success: false })).reward).toBe(-7);
      expect(executor.rewardWeights.failure_reward).toBe(-7);
    });

    it("rewards finitely when tiny divisors make the latency and reputation terms overflow", () => {
      const { executor } = setup({ rewardWeights: { latency_divisor: 1e-310, reputation_divisor: 1e-310 } });
      executor.recordDecision(decision());
      executor.recordDecision(decision());
      // −5/1e-310 + 90/1e-310: both terms overflow, to −∞ and +∞; the reputation term is the larger.
      const high = { actual_cost_usd: 1, actual_latency_ms: 5, actual_reputation: 90 };
      expect(executor.recordOutcome(outcome("d1", high)).reward).toBe(Number.MAX_VALUE);
      const low = { actual_cost_usd: 1, actual_latency_ms: 90, actual_reputation: 5 };
      expect(executor.recordOutcome(outcome("d2", low)).reward).toBe(-Number.MAX_VALUE);
    });

    it("refuses a second feedback for the same decision and changes nothing", () => {
      const { executor } = setup();
      executor.recordDecision(decision());
      executor.recordOutcome(outcome("d1"));
      const before = executor.stats();
      const error = thrown(() => executor.recordOutcome(outcome("d1", { success: false, actual_cost_usd: 99 })));
      expect(error).toBeInstanceOf(DuplicateFeedbackError);
      expect((error as DuplicateFeedbackError).decisionId).toBe("d1");
      expect(executor.stats()).toEqual({ ...before, duplicate_feedback: 1 });
    });

    it("refuses feedback for a decision it never made and changes nothing", () => {
      const { executor } = setup();
      executor.recordDecision(decision());
      const before = executor.stats();
      expect(thrown(() => executor.recordOutcome(outcome("nope")))).toBeInstanceOf(UnknownDecisionError);
      expect(executor.stats()).toEqual(before);
    });

    it("accepts an outcome for an alternative the router fell back to, rewarding with its reputation", () => {
      const { executor } = setup();
      const vast = provider("vast", 40);
      executor.recordDecision(decision({ alternatives: [provider("render"), vast] }));
      const { actual_reputation: _, ...unobserved } = outcome("d1", { provider_id: "vast" });
      const result = executor.recordOutcome(unobserved);
      expect(result.provider).toBe(vast);
      expect(result.reward).toBe(-2.45 - 115 / 500 + 40 / 100 + 10);
    });

    it("accepts an outcome naming the chosen provider", () => {
      const { executor } = setup();
      const record = executor.recordDecision(decision());
      expect(executor.recordOutcome(outcome("d1", { provider_id: "akash" })).provider).toBe(record.provider);
    });

    it("refuses a provider_id that was neither chosen nor an alternative, leaving the decision pending", () => {
      const { executor } = setup();
      executor.recordDecision(decision({ alternatives: [provider("vast")] }));
      executor.recordDecision(decision());
      expect(fieldOf(() => executor.recordOutcome(outcome("d1", { provider_id: "render" })))).toBe("provider_id");
      expect(fieldOf(() => executor.recordOutcome(outcome("d2", { provider_id: "vast" })))).toBe("provider_id");
      expect(executor.stats()).toMatchObject({ total_outcomes: 0, pending_feedback: 2 });
      expect(executor.recordOutcome(outcome("d1")).reward).toBe(SEED_REWARD);
    });

    it("refuses an invalid outcome, naming the field, and changes nothing", () => {
      const { executor } = setup();
      executor.recordDecision(decision());
      expect(fieldOf(() => executor.recordOutcome(outcome("d1", { actual_cost_usd: Number.NaN })))).toBe("actual_cost_usd");
      expect(fieldOf(() => executor.recordOutcome(outcome("d1", { actual_latency_ms: -1 })))).toBe("actual_latency_ms");
      expect(fieldOf(() => executor.recordOutcome({ ...outcome("d1"), success: "yes" } as never))).toBe("success");
      expect(executor.stats()).toMatchObject({ total_outcomes: 0, pending_feedback: 1 });
    });

    it("does not parse again outcomes its caller parsed (parsedOutcomes), and learns them alike", () => {
      const { executor } = setup({ parsedOutcomes: true });
      executor.recordDecision(decision());
      // An outcome zod would refuse goes through: the caller promised it was parsed.
      const unparsed = { ...outcome("d1"), error_reason: "x".repeat(3_000) };
      expect(executor.recordOutcome(unparsed).reward).toBe(SEED_REWARD);
      expect(executor.stats()).toMatchObject({ total_outcomes: 1, pending_feedback: 0 });
    });
  });

  describe("prepareOutcome and commitOutcome", () => {
    it("prepares the reward without recording anything, then records it on commit", () => {
      const { executor } = setup();
      const record = executor.recordDecision(decision());
      const prepared = executor.prepareOutcome(outcome("d1"));
      expect(prepared.reward).toBe(SEED_REWARD);
      expect(prepared.record).toBe(record);
      expect(executor.getPending("d1")).toBe(record);
      expect(executor.stats().total_outcomes).toBe(0);
      // Nothing was recorded: the same outcome prepares again.
      expect(executor.prepareOutcome(outcome("d1")).reward).toBe(SEED_REWARD);
      executor.commitOutcome(prepared);
      expect(executor.getPending("d1")).toBeUndefined();
      expect(executor.stats().total_outcomes).toBe(1);
      expect(thrown(() => executor.prepareOutcome(outcome("d1")))).toBeInstanceOf(DuplicateFeedbackError);
    });

    it("refuses to commit, changing nothing, when the decision was settled after it was prepared", () => {
      const { clock, executor } = setup({ rewardWaitMs: HOUR });
      executor.recordDecision(decision());
      const prepared = executor.prepareOutcome(outcome("d1"));
      clock.advance(HOUR);
      executor.settleExpired();
      expect(thrown(() => executor.commitOutcome(prepared))).toBeInstanceOf(LateFeedbackError);
      expect(executor.stats().total_outcomes).toBe(0);
    });
  });

  describe("expiry", () => {
    it("reads no clock to settle while nothing is pending, and reads it once something is", () => {
      let reads = 0;
      const executor = new Executor({
        clock: {
          now: () => {
            reads++;
            return 0;
          },
        },
      });
      expect(executor.settleExpired()).toEqual([]);
      expect(reads).toBe(0);
      executor.recordDecision(decision());
      reads = 0;
      expect(executor.settleExpired()).toEqual([]);
      expect(reads).toBe(1);
    });

    it("waits 48 hours by default", () => {
      const { clock, executor } = setup();
      executor.recordDecision(decision());
      clock.advance(48 * HOUR - 1);
      expect(executor.settleExpired()).toEqual([]);
      clock.advance(1);
      expect(ids(executor.settleExpired())).toEqual(["d1"]);
    });

    it("settles a decision exactly when its wait has passed, oldest first", () => {
      const { clock, executor } = setup({ rewardWaitMs: 100 });
      const first = executor.recordDecision(decision());
      clock.advance(10);
      const second = executor.recordDecision(decision());
      clock.advance(89);
      expect(executor.settleExpired()).toEqual([]);
      clock.advance(11);
      expect(executor.settleExpired()).toEqual([
        { record: first, reason: "expired", settled_at: 1_110 },
        { record: second, reason: "expired", settled_at: 1_110 },
      ]);
      expect(executor.stats()).toMatchObject({ pending_feedback: 0, settled_expired: 2 });
    });

    it("settles only the expired ones and leaves younger decisions pending", () => {
      const { clock, executor } = setup({ rewardWaitMs: 100 });
      executor.recordDecision(decision());
      clock.advance(50);
      executor.recordDecision(decision());
      clock.advance(50);
      expect(ids(executor.settleExpired())).toEqual(["d1"]);
      expect([...executor.pendingRecords()].map((r) => r.decision_id)).toEqual(["d2"]);
    });

    it("answers feedback for an expired decision with LateFeedbackError and changes nothing else", () => {
      const { clock, executor } = setup({ rewardWaitMs: 100 });
      executor.recordDecision(decision());
      clock.advance(100);
      executor.settleExpired();
      const before = executor.stats();
      const error = thrown(() => executor.recordOutcome(outcome("d1")));
      expect(error).toBeInstanceOf(LateFeedbackError);
      expect((error as LateFeedbackError).settledAt).toBe(1_100);
      expect(executor.stats()).toEqual({ ...before, late_feedback: 1 });
    });

    it("accepts feedback past the wait while the decision has not been settled yet", () => {
      const { clock, executor } = setup({ rewardWaitMs: 100 });
      executor.recordDecision(decision());
      clock.advance(500);
      expect(executor.recordOutcome(outcome("d1")).reward).toBe(SEED_REWARD);
      expect(executor.settleExpired()).toEqual([]);
    });

    it("settles expired decisions before recording a new one, and drainSettled hands them out once", () => {
      const { clock, executor } = setup({ rewardWaitMs: 100 });
      const first = executor.recordDecision(decision());
      clock.advance(100);
      executor.recordDecision(decision());
      expect(executor.getPending("d1")).toBeUndefined();
      expect(executor.drainSettled()).toEqual([{ record: first, reason: "expired", settled_at: 1_100 }]);
      expect(executor.drainSettled()).toEqual([]);
    });

    it("hands out decisions settled by recordDecision through settleExpired too, never twice", () => {
      const { clock, executor } = setup({ rewardWaitMs: 100 });
      executor.recordDecision(decision());
      clock.advance(100);
      executor.recordDecision(decision());
      clock.advance(100);
      expect(ids(executor.settleExpired())).toEqual(["d1", "d2"]);
      expect(executor.drainSettled()).toEqual([]);
    });

    describe("with settleGraceMs (replicas sharing a store)", () => {
      it("settles only once the grace has passed too", () => {
        const { clock, executor } = setup({ rewardWaitMs: 100, settleGraceMs: 50 });
        const record = executor.recordDecision(decision());
        clock.advance(149);
        expect(executor.settleExpired()).toEqual([]);
        clock.advance(1);
        expect(executor.settleExpired()).toEqual([{ record, reason: "expired", settled_at: 1_150 }]);
      });

      it("refuses feedback from the wait's end on as late, counting it, and leaves the decision pending", () => {
        const { clock, executor } = setup({ rewardWaitMs: 100, settleGraceMs: 50 });
        executor.recordDecision(decision());
        executor.recordDecision(decision());
        clock.advance(99);
        expect(executor.recordOutcome(outcome("d1")).reward).toBe(SEED_REWARD);
        clock.advance(1);
        const error = thrown(() => executor.recordOutcome(outcome("d2")));
        expect(error).toBeInstanceOf(LateFeedbackError);
        expect((error as LateFeedbackError).settledAt).toBe(1_100);
        expect((error as LateFeedbackError).message).toMatch(
          /its reward wait ended at .+ and it is settled once the replicas' grace/,
        );
        expect(executor.stats()).toMatchObject({ late_feedback: 1, total_outcomes: 1, pending_feedback: 1 });
        expect(executor.settleExpired()).toEqual([]);
      });

      it("learns an outcome accepted in time elsewhere (afterWait) until the grace has passed", () => {
        const { clock, executor } = setup({ rewardWaitMs: 100, settleGraceMs: 50 });
        executor.recordDecision(decision());
        clock.advance(149);
        const prepared = executor.prepareOutcome(outcome("d1"), { afterWait: true });
        executor.commitOutcome(prepared);
        expect(executor.stats()).toMatchObject({ late_feedback: 0, total_outcomes: 1, pending_feedback: 0 });
        clock.advance(1);
        expect(executor.settleExpired()).toEqual([]);
      });
    });

    it("never expires with rewardWaitMs Infinity", () => {
      const { clock, executor } = setup({ rewardWaitMs: Infinity });
      executor.recordDecision(decision());
      clock.advance(Number.MAX_SAFE_INTEGER);
      expect(executor.settleExpired()).toEqual([]);
    });
  });

  describe("maxPending", () => {
    it("evicts the oldest pending decision when the cap is exceeded", () => {
      const { executor } = setup({ maxPending: 2 });
      const first = executor.recordDecision(decision());
      executor.recordDecision(decision());
      executor.recordDecision(decision());
      expect([...executor.pendingRecords()].map((r) => r.decision_id)).toEqual(["d2", "d3"]);
      expect(executor.drainSettled()).toEqual([{ record: first, reason: "evicted", settled_at: 1_000 }]);
      expect(executor.stats()).toMatchObject({ total_decisions: 3, pending_feedback: 2, settled_evicted: 1 });
    });

    it("answers feedback for an evicted decision with LateFeedbackError", () => {
      const { executor } = setup({ maxPending: 1 });
      executor.recordDecision(decision());
      executor.recordDecision(decision());
      const late = thrown(() => executor.recordOutcome(outcome("d1")));
      expect(late).toBeInstanceOf(LateFeedbackError);
      // Eviction, not the reward wait, settled it: the message names both, so the advice fits.
      expect((late as Error).message).toMatch(/more than maxPending decisions were waiting and it was the oldest/);
      expect(executor.recordOutcome(outcome("d2")).reward).toBe(SEED_REWARD);
    });

    it("knows which decisions finished: fed back or settled, not pending or never made", () => {
      const { executor } = setup({ maxPending: 2 });
      for (let i = 0; i < 4; i++) executor.recordDecision(decision());
      executor.recordOutcome(outcome("d3"));
      // d1 and d2 were evicted, d3 fed back, d4 is pending.
      expect(["d1", "d2", "d3", "d4", "d5"].map((id) => executor.isFinished(id))).toEqual([true, true, true, false, false]);
    });

    it("holds at most maxPending undrained settled decisions, counting the ones dropped", () => {
      const { executor } = setup({ maxPending: 2 });
      for (let i = 0; i < 10; i++) executor.recordDecision(decision());
      expect(executor.stats()).toMatchObject({ settled_evicted: 8, settled_dropped: 6 });
      expect(ids(executor.drainSettled())).toEqual(["d7", "d8"]);
    });
  });

  describe("rememberSettled", () => {
    it("forgets the oldest finished ids beyond the cap, which then read as unknown", () => {
      const { executor } = setup({ rememberSettled: 2 });
      for (let i = 0; i < 3; i++) executor.recordDecision(decision());
      for (const id of ["d1", "d2", "d3"]) executor.recordOutcome(outcome(id));
      expect(thrown(() => executor.recordOutcome(outcome("d1")))).toBeInstanceOf(UnknownDecisionError);
      expect(thrown(() => executor.recordOutcome(outcome("d2")))).toBeInstanceOf(DuplicateFeedbackError);
      expect(thrown(() => executor.recordOutcome(outcome("d3")))).toBeInstanceOf(DuplicateFeedbackError);
      expect(executor.stats().duplicate_feedback).toBe(2);
    });

    it("remembers settled and fed-back ids in one first-in-first-out memory", () => {
      const { clock, executor } = setup({ rememberSettled: 2, rewardWaitMs: 100 });
      executor.recordDecision(decision());
      executor.recordDecision(decision());
      executor.recordOutcome(outcome("d2"));
      clock.advance(100);
      executor.settleExpired();
      executor.recordDecision(decision());
      executor.recordOutcome(outcome("d3"));
      expect(thrown(() => executor.recordOutcome(outcome("d2")))).toBeInstanceOf(UnknownDecisionError);
      expect(thrown(() => executor.recordOutcome(outcome("d1")))).toBeInstanceOf(LateFeedbackError);
      expect(thrown(() => executor.recordOutcome(outcome("d3")))).toBeInstanceOf(DuplicateFeedbackError);
    });

    it("stays within its bounds over a long run that never drains", () => {
      const { clock, executor } = setup({ maxPending: 100, rememberSettled: 1_000, rewardWaitMs: 50 });
      for (let i = 1; i <= 20_000; i++) {
        executor.recordDecision(decision());
        if (i % 3 === 0) executor.recordOutcome(outcome(`d${i}`));
        clock.advance(1);
        expect(executor.stats().pending_feedback).toBeLessThanOrEqual(100);
      }
      const stats = executor.stats();
      expect(stats.total_decisions).toBe(20_000);
      expect(stats.total_outcomes).toBe(6_666);
      expect(thrown(() => executor.recordOutcome(outcome("d3")))).toBeInstanceOf(UnknownDecisionError);
      expect(executor.drainSettled().length).toBeLessThanOrEqual(100);
    });
  });

  describe("restorePending", () => {
    const restored = (id: string, createdAt: number) => ({ ...decision(), decision_id: id, created_at: createdAt });

    it("restores a pending decision without counting it as new, keeping its created_at", () => {
      const { executor } = setup();
      const record = restored("old", 500);
      executor.restorePending(record);
      expect(executor.getPending("old")).toBe(record);
      expect(executor.stats()).toMatchObject({ total_decisions: 0, pending_feedback: 1 });
      expect(executor.recordOutcome(outcome("old")).reward).toBe(SEED_REWARD);
      expect(executor.stats()).toMatchObject({ total_outcomes: 1, pending_feedback: 0 });
    });

    it("settles a restored decision whose wait passed while the process was down", () => {
      const { executor } = setup({ rewardWaitMs: 100 });
      executor.restorePending(restored("old", 0));
      executor.restorePending(restored("young", 950));
      expect(executor.settleExpired()).toEqual([
        { record: expect.objectContaining({ decision_id: "old" }), reason: "expired", settled_at: 1_000 },
      ]);
    });

    it("refuses to restore a decision already pending or finished", () => {
      const { executor } = setup();
      executor.restorePending(restored("a", 0));
      expect(fieldOf(() => executor.restorePending(restored("a", 0)))).toBe("decision_id");
      executor.recordOutcome(outcome("a"));
      expect(fieldOf(() => executor.restorePending(restored("a", 0)))).toBe("decision_id");
    });

    it("refuses a record without a usable created_at, with a mismatched provider or with an unusable reputation", () => {
      const { executor } = setup();
      expect(fieldOf(() => executor.restorePending(restored("a", Number.NaN)))).toBe("created_at");
      expect(fieldOf(() => executor.restorePending({ ...restored("a", 0), provider_id: "vast" }))).toBe("provider_id");
      expect(fieldOf(() => executor.restorePending({ ...restored("a", 0), provider: undefined as never }))).toBe("provider");
      const unrated = { ...restored("a", 0), provider: provider("akash", Number.NaN) };
      expect(fieldOf(() => executor.restorePending(unrated))).toBe("provider.reputation");
      expect(executor.stats().pending_feedback).toBe(0);
    });

    it("enforces maxPending by evicting the oldest", () => {
      const { executor } = setup({ maxPending: 1 });
      executor.restorePending(restored("a", 0));
      executor.restorePending(restored("b", 1));
      expect(ids(executor.drainSettled())).toEqual(["a"]);
      expect([...executor.pendingRecords()].map((r) => r.decision_id)).toEqual(["b"]);
    });
  });

  describe("counters across a restart", () => {
    it("writes the lasting counters and puts them back into a new executor", () => {
      const { executor, clock } = setup({ rewardWaitMs: 100, maxPending: 2 });
      executor.recordDecision(decision());
      executor.recordOutcome(outcome("d1", { actual_cost_usd: 3, actual_latency_ms: 90 }));
      expect(() => executor.recordOutcome(outcome("d1"))).toThrow();
      for (let i = 0; i < 3; i++) executor.recordDecision(decision()); // d2–d4: d2 is evicted
      clock.advance(200);
      executor.settleExpired(); // d3, d4 expire
      const json = executor.countersToJSON();
      expect(json).toEqual({
        total_decisions: 4,
        outcomes: [1, 1, 3, 90],
        late_feedback: 0,
        duplicate_feedback: 1,
        settled_expired: 2,
        settled_evicted: 1,
      });
      const restarted = setup().executor;
      restarted.restoreCounters(JSON.parse(JSON.stringify(json)));
      const { pending_feedback: _, settled_dropped: __, ...lasting } = executor.stats();
      expect(restarted.stats()).toMatchObject(lasting);
      expect(restarted.stats()).toMatchObject({ pending_feedback: 0, success_rate: 1, avg_cost_usd: 3 });
    });

    it("counts a journal's decisions, outcomes and settlements on top of the restored counters", () => {
      const { executor } = setup();
      executor.restoreCounters({ ...setup().executor.countersToJSON(), total_decisions: 10, outcomes: [4, 3, 8, 400] });
      executor.countRecorded({ type: "decision" });
      executor.countRecorded({
        type: "outcome",
        outcome: outcome("x", { success: false, actual_cost_usd: 0, actual_latency_ms: 100 }),
      });
      executor.countRecorded({ type: "settled", reason: "expired" });
      executor.countRecorded({ type: "settled", reason: "evicted" });
      expect(executor.stats()).toMatchObject({
        total_decisions: 11,
        total_outcomes: 5,
        success_rate: 0.6,
        avg_cost_usd: 1.6,
        avg_latency_ms: 100,
        settled_expired: 1,
        settled_evicted: 1,
        pending_feedback: 0,
      });
    });

    it("counts a duplicate a shared store refused, and keeps it in its counters", () => {
      const { executor } = setup();
      executor.countDuplicate();
      executor.countDuplicate();
      expect(executor.stats().duplicate_feedback).toBe(2);
      const restarted = setup().executor;
      restarted.restoreCounters(executor.countersToJSON());
      expect(restarted.stats().duplicate_feedback).toBe(2);
    });

    it("names the part of bad counters and changes nothing", () => {
      const { executor } = setup();
      executor.recordDecision(decision());
      const good = executor.countersToJSON();
      expect(fieldOf(() => executor.restoreCounters(null))).toBe("counters");
      expect(fieldOf(() => executor.restoreCounters([], "snapshot.counters.executor"))).toBe("snapshot.counters.executor");
      expect(fieldOf(() => executor.restoreCounters({ ...good, total_decisions: -1 }))).toBe("counters.total_decisions");
      expect(fieldOf(() => executor.restoreCounters({ ...good, late_feedback: 1.5 }))).toBe("counters.late_feedback");
      expect(fieldOf(() => executor.restoreCounters({ ...good, settled_evicted: undefined }))).toBe("counters.settled_evicted");
      expect(fieldOf(() => executor.restoreCounters({ ...good, outcomes: [1, 2, 0, 0] }))).toBe("counters.outcomes");
      expect(fieldOf(() => executor.restoreCounters({ ...good, outcomes: [1, 1, Number.NaN, 0] }))).toBe("counters.outcomes");
      expect(fieldOf(() => executor.restoreCounters({ ...good, outcomes: [1, 1, 0] }))).toBe("counters.outcomes");
      expect(executor.countersToJSON()).toEqual(good);
    });
  });

  describe("properties", () => {
    type Op =
      | { kind: "decide" }
      | { kind: "feedback"; pick: number; success: boolean }
      | { kind: "advance"; ms: number }
      | { kind: "settle" }
      | { kind: "drain" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ kind: "decide" }),
      fc.record({ kind: fc.constant("feedback" as const), pick: fc.nat(), success: fc.boolean() }),
      fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 60 }) }),
      fc.constant<Op>({ kind: "settle" }),
      fc.constant<Op>({ kind: "drain" }),
    );

    it("gives every decision exactly one fate: feedback once, settled once, or still pending", () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 5 }), (ops, maxPending) => {
          const { clock, executor } = setup({ rewardWaitMs: 100, maxPending, rememberSettled: 10_000 });
          const recorded: string[] = [];
          const fedBack = new Set<string>();
          const handedOut: string[] = [];
          for (const o of ops) {
            if (o.kind === "decide") recorded.push(executor.recordDecision(decision()).decision_id);
            else if (o.kind === "advance") clock.advance(o.ms);
            else if (o.kind === "settle") handedOut.push(...ids(executor.settleExpired()));
            else if (o.kind === "drain") handedOut.push(...ids(executor.drainSettled()));
            else if (recorded.length > 0) {
              const id = recorded[o.pick % recorded.length] as string;
              const wasPending = executor.getPending(id) !== undefined;
              const result = (() => {
                try {
                  return executor.recordOutcome(outcome(id, { success: o.success }));
                } catch (error) {
                  return error;
                }
              })();
              if (wasPending) {
                expect(result).not.toBeInstanceOf(Error);
                fedBack.add(id);
              } else if (fedBack.has(id)) expect(result).toBeInstanceOf(DuplicateFeedbackError);
              else expect(result).toBeInstanceOf(LateFeedbackError);
            }
            expect(executor.stats().pending_feedback).toBeLessThanOrEqual(maxPending);
          }
          handedOut.push(...ids(executor.drainSettled()));
          const pending = [...executor.pendingRecords()].map((r) => r.decision_id);
          const stats = executor.stats();
          expect(new Set(handedOut).size).toBe(handedOut.length);
          expect(handedOut.filter((id) => fedBack.has(id))).toEqual([]);
          expect(handedOut.length + stats.settled_dropped).toBe(stats.settled_expired + stats.settled_evicted);
          expect(fedBack.size + stats.settled_expired + stats.settled_evicted + pending.length).toBe(recorded.length);
          expect(stats.total_outcomes).toBe(fedBack.size);
          expect(stats.total_decisions).toBe(recorded.length);
        }),
      );
    });
  });
});
