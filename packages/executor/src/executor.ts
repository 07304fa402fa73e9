import {
  type Clock,
  DuplicateFeedbackError,
  idSchema,
  LateFeedbackError,
  type Outcome,
  outcomeSchema,
  type Provider,
  parseWith,
  providerSchema,
  UnknownDecisionError,
  ValidationError,
} from "@aurora/domain";
import { computeReward } from "./compute-reward.js";
import type { DecisionInput, DecisionRecord } from "./decision-record.js";
import { type ExecutorOptions, resolveExecutorOptions } from "./executor-options.js";
import type { ExecutorCounters, ExecutorDetailedStats } from "./executor-stats.js";
import { FEEDBACK_RECEIVED, type Finished, FinishedDecisions, type FinishedDecisionsJson } from "./finished-decisions.js";
import type { PreparedOutcome } from "./outcome-result.js";
import { OutcomeStats } from "./outcome-stats.js";
import { PendingLog } from "./pending-log.js";
import type { RewardWeights } from "./reward-weights.js";
import type { SettledDecision, SettledReason } from "./settled-decision.js";
import { SettledOutbox } from "./settled-outbox.js";

/**
 * The decision log and its outcomes. A decision is pending from `recordDecision` until exactly one of:
 * feedback (`recordOutcome`), expiry (its reward wait passed) or eviction (the log was full and it was
 * the oldest). Memory is bounded by `maxPending` pending records, as many settled records waiting to be
 * drained, and `rememberSettled` finished ids.
 */
export class Executor {
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #weights: RewardWeights;
  readonly #rewardWaitMs: number;
  readonly #settleGraceMs: number;
  readonly #maxPending: number;
  readonly #parsedOutcomes: boolean;
  readonly #freshIds: boolean;
  /** Pending decisions in insertion order, which is `created_at` order: the oldest is first. */
  readonly #pending = new PendingLog();
  #finished: FinishedDecisions;
  readonly #rememberSettled: number;
  readonly #outbox: SettledOutbox;
  readonly #outcomes = new OutcomeStats();
  #totalDecisions = 0;
  #lateFeedback = 0;
  #duplicateFeedback = 0;
  #settledExpired = 0;
  #settledEvicted = 0;

  constructor(options?: ExecutorOptions) {
    const resolved = resolveExecutorOptions(options);
    this.#clock = resolved.clock;
    this.#newId = resolved.newId;
    this.#weights = resolved.rewardWeights;
    this.#rewardWaitMs = resolved.rewardWaitMs;
    this.#settleGraceMs = resolved.settleGraceMs;
    this.#maxPending = resolved.maxPending;
    this.#parsedOutcomes = resolved.parsedOutcomes;
    this.#freshIds = resolved.freshIds;
    this.#rememberSettled = resolved.rememberSettled;
    this.#finished = new FinishedDecisions(resolved.rememberSettled);
    this.#outbox = new SettledOutbox(resolved.maxPending);
  }

  /** The reward weights in use (defaults filled in), e.g. to pick a default reward for settled decisions. */
  get rewardWeights(): RewardWeights {
    return this.#weights;
  }

  /**
   * Logs a decision as pending and returns its record (the same object `getPending` returns).
   * First settles the decisions whose wait has passed; afterwards, over `maxPending`, the oldest is evicted.
   * Both kinds are handed out by `drainSettled` / `settleExpired`.
   */
  recordDecision(input: DecisionInput): DecisionRecord {
    requireObject(input, "a decision { state_key, provider_id, provider, context, metadata, decision_id? }");
    let decisionId: string;
    if (input.decision_id === undefined) {
      decisionId = this.#newId();
      // The built-in UUIDs cannot collide (122 random bits); a custom newId is checked like a given id.
      if (!this.#freshIds) {
        decisionId = parseWith(idSchema, decisionId, "decision_id");
        this.#assertFresh(decisionId);
      }
    } else {
      decisionId = parseWith(idSchema, input.decision_id, "decision_id");
      this.#assertFresh(decisionId);
    }
    assertChosenProvider(input.provider_id, input.provider);
    assertRewardReputations(input.provider, input.alternatives);
    const now = this.#clock.now();
    this.#expire(now);
    const record: DecisionRecord = {
      decision_id: decisionId,
      state_key: input.state_key,
      provider_id: input.provider_id,
      context: input.context,
      provider: input.provider,
      metadata: input.metadata,
      created_at: now,
    };
    if (input.alternatives !== undefined) record.alternatives = input.alternatives;
    this.#pending.add(record);
    this.#totalDecisions++;
    this.#evictOverflow(now);
    return record;
  }

  /** The counters `stats()` reports that outlive the process, for a snapshot (see `restoreCounters`). */
  countersToJSON(): ExecutorCounters {
    return {
      total_decisions: this.#totalDecisions,
      outcomes: this.#outcomes.toJSON(),
      late_feedback: this.#lateFeedback,
      duplicate_feedback: this.#duplicateFeedback,
      settled_expired: this.#settledExpired,
      settled_evicted: this.#settledEvicted,
    };
  }

  /**
   * Puts back the counters `countersToJSON` wrote (a restart), replacing the present ones. Throws
   * a `ValidationError` naming the part (`${field}.total_decisions`, …) when `json` is not such
   * counters; nothing changes then.
   */
  restoreCounters(json: unknown, field = "counters"): void {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw ValidationError.forField(field, "must be the executor's counters, as countersToJSON() wrote them");
    }
    const c = json as Record<string, unknown>;
    const counts = ["total_decisions", "late_feedback", "duplicate_feedback", "settled_expired", "settled_evicted"] as const;
    for (const name of counts) {
      const value = c[name];
      if (!Number.isSafeInteger(value) || (value as number) < 0) {
        throw ValidationError.forField(`${field}.${name}`, "must be a whole number ≥ 0");
      }
    }
    this.#outcomes.restore(c.outcomes, `${field}.outcomes`); // checks before it changes anything
    this.#totalDecisions = c.total_decisions as number;
    this.#lateFeedback = c.late_feedback as number;
    this.#duplicateFeedback = c.duplicate_feedback as number;
    this.#settledExpired = c.settled_expired as number;
    this.#settledEvicted = c.settled_evicted as number;
  }

  /**
   * Counts a feedback refused as a duplicate by someone else than this executor: a store shared by
   * replicas that had kept another outcome for the decision (another replica's, or one taken at
   * the same moment), so `duplicate_feedback` counts every duplicate refused.
   */
  countDuplicate(): void {
    this.#duplicateFeedback++;
  }

  /**
   * Counts what a journal recorded after the snapshot the counters came from, as live traffic
   * counted it: a decision made, an outcome accepted, a decision settled without feedback.
   * Only the counters change (the decisions themselves come back with `restorePending`).
   */
  countRecorded(
    event: { type: "decision" } | { type: "outcome"; outcome: Outcome } | { type: "settled"; reason: SettledReason },
  ): void {
    if (event.type === "decision") this.#totalDecisions++;
    else if (event.type === "outcome") this.#outcomes.add(event.outcome);
    else if (event.reason === "expired") this.#settledExpired++;
    else this.#settledEvicted++;
  }

  /** The memory of finished decision ids, for a snapshot (see `restoreFinished`). */
  finishedToJSON(): FinishedDecisionsJson {
    return this.#finished.toJSON();
  }

  /**
   * Replaces the memory of finished ids with one saved by `finishedToJSON` (keeping the newest
   * `rememberSettled`), so that feedback repeated after a restart is refused as a duplicate or as
   * late, not as unknown. Throws a `TypeError` naming what is wrong when `json` is not such a memory.
   */
  restoreFinished(json: unknown): void {
    this.#finished = FinishedDecisions.fromJSON(json, this.#rememberSettled);
  }

  /**
   * Remembers that a decision that is not pending finished (replaying a journal: its feedback or
   * settlement was recorded after the snapshot the executor was restored from).
   */
  rememberFinished(decisionId: string, finished: Finished): void {
    this.#finished.remember(decisionId, finished);
  }

  getPending(decisionId: string): DecisionRecord | undefined {
    return this.#pending.get(decisionId);
  }

  /** True for a decision this executor remembers as finished (fed back, settled or evicted): its feedback is refused. */
  isFinished(decisionId: string): boolean {
    return this.#finished.has(decisionId);
  }

  /**
   * Validates the outcome (a `ValidationError` names the field; skipped with `parsedOutcomes`), checks
   * it is for a pending decision, computes the reward and removes the decision from pending. Throws
   * `UnknownDecisionError` (never seen, or forgotten), `DuplicateFeedbackError` (already had feedback)
   * or `LateFeedbackError` (settled); in every refusal nothing changes except the late/duplicate
   * counters.
   * `outcome.provider_id`, when given, must be the chosen provider or one of `record.alternatives`.
   * The same as `prepareOutcome` followed at once by `commitOutcome`.
   */
  recordOutcome(outcome: Outcome): PreparedOutcome {
    const prepared = this.prepareOutcome(outcome);
    this.commitOutcome(prepared);
    return prepared;
  }

  /**
   * `recordOutcome`'s checks and reward, without recording anything: the decision stays pending
   * until `commitOutcome`. A caller that must do something that can fail between the two (the
   * engine's policy update) leaves the decision open for its feedback when it does.
   *
   * With `settleGraceMs`, a decision whose wait has passed stays pending for that long before it
   * is settled, and its feedback is refused as late (`LateFeedbackError` at the wait's end)
   * unless `afterWait` says the outcome was accepted in time elsewhere (another replica's).
   */
  prepareOutcome(outcome: Outcome, options?: { afterWait?: boolean }): PreparedOutcome {
    const valid = this.#parsedOutcomes ? outcome : parseWith(outcomeSchema, outcome);
    const decisionId = valid.decision_id;
    const record = this.#pending.get(decisionId);
    if (record === undefined) throw this.#refusal(decisionId);
    if (this.#settleGraceMs > 0 && options?.afterWait !== true) {
      const waitEnded = record.created_at + this.#rewardWaitMs;
      if (this.#clock.now() >= waitEnded) {
        this.#lateFeedback++;
        throw new LateFeedbackError(decisionId, waitEnded, true);
      }
    }
    const provider = providerOf(record, valid.provider_id);
    const failed = valid.failed_before === undefined ? NONE_FAILED : failedProviders(record, valid.failed_before, provider);
    const reward = computeReward(valid, this.#weights, provider.reputation);
    return { reward, record, provider, outcome: valid, failed, failedReward: this.#weights.failure_reward };
  }

  /**
   * Records an outcome `prepareOutcome` accepted: its decision leaves the pending log and is
   * remembered as finished, and the outcome joins the statistics. Throws, changing nothing, when
   * the decision is no longer the pending one `prepareOutcome` found (it was settled or fed back in between).
   */
  commitOutcome(prepared: PreparedOutcome): void {
    const decisionId = prepared.record.decision_id;
    if (this.#pending.get(decisionId) !== prepared.record) throw this.#refusal(decisionId);
    this.#pending.remove(decisionId);
    this.#finished.remember(decisionId, FEEDBACK_RECEIVED);
    this.#outcomes.add(prepared.outcome);
  }

  /**
   * Settles every pending decision whose wait and grace have passed (clock.now() − created_at ≥ rewardWaitMs + settleGraceMs) and
   * returns them together with any decision settled earlier and not yet handed out, oldest first.
   */
  settleExpired(): readonly SettledDecision[] {
    // Nothing pending, nothing to expire: the clock is not read (a system clock read is ~5% of a pair).
    if (this.#pending.size > 0) this.#expire(this.#clock.now());
    return this.#outbox.drain();
  }

  /** Returns, and forgets, the decisions settled since the last hand-out (by expiry or eviction), oldest first. */
  drainSettled(): readonly SettledDecision[] {
    return this.#outbox.drain();
  }

  /**
   * Puts back a pending decision after a restart (e.g. from a journal), keeping its `created_at`
   * and without counting it in `total_decisions`. Restore in journal (`created_at`) order: expiry walks
   * the pending log from its oldest entry. Over `maxPending`, the oldest is evicted.
   */
  restorePending(record: DecisionRecord): void {
    requireObject(record, "a decision record { decision_id, …, created_at }");
    parseWith(idSchema, record.decision_id, "decision_id");
    this.#assertFresh(record.decision_id);
    assertChosenProvider(record.provider_id, record.provider);
    assertRewardReputations(record.provider, record.alternatives);
    if (typeof record.created_at !== "number" || !Number.isFinite(record.created_at)) {
      throw ValidationError.forField("created_at", "must be the finite clock milliseconds at which the decision was made");
    }
    this.#pending.add(record);
    this.#evictOverflow(this.#clock.now());
  }

  /** The pending decisions, oldest first: a live view, not a copy. */
  pendingRecords(): IterableIterator<DecisionRecord> {
    return this.#pending.values();
  }

  stats(): ExecutorDetailedStats {
    const outcomes = this.#outcomes;
    return {
      total_decisions: this.#totalDecisions,
      total_outcomes: outcomes.count,
      success_rate: outcomes.successRate,
      avg_cost_usd: outcomes.avgCostUsd,
      avg_latency_ms: outcomes.avgLatencyMs,
      pending_feedback: this.#pending.size,
      late_feedback: this.#lateFeedback,
      duplicate_feedback: this.#duplicateFeedback,
      settled_expired: this.#settledExpired,
      settled_evicted: this.#settledEvicted,
      settled_dropped: this.#outbox.dropped,
    };
  }

  #assertFresh(decisionId: string): void {
    if (this.#pending.has(decisionId)) {
      throw ValidationError.forField("decision_id", `"${decisionId}" is already pending: each decision needs its own id`);
    }
    if (this.#finished.has(decisionId)) {
      throw ValidationError.forField(
        "decision_id",
        `"${decisionId}" was already used by a finished decision: each decision needs its own id`,
      );
    }
  }

  #refusal(decisionId: string): Error {
    const finished = this.#finished.get(decisionId);
    if (finished === undefined) return new UnknownDecisionError(decisionId);
    if (finished.kind === "feedback") {
      this.#duplicateFeedback++;
      return new DuplicateFeedbackError(decisionId);
    }
    this.#lateFeedback++;
    return new LateFeedbackError(decisionId, finished.settledAt);
  }

  #expire(now: number): void {
    for (let record = this.#pending.oldest(); record !== undefined; record = this.#pending.oldest()) {
      if (now - record.created_at < this.#rewardWaitMs + this.#settleGraceMs) return;
      this.#settle(record, "expired", now);
    }
  }

  #evictOverflow(now: number): void {
    while (this.#pending.size > this.#maxPending) {
      this.#settle(this.#pending.oldest() as DecisionRecord, "evicted", now);
    }
  }

  #settle(record: DecisionRecord, reason: SettledReason, now: number): void {
    this.#pending.remove(record.decision_id);
    this.#finished.remember(record.decision_id, { kind: "settled", settledAt: now });
    this.#outbox.push({ record, reason, settled_at: now });
    if (reason === "expired") this.#settledExpired++;
    else this.#settledEvicted++;
  }
}

function requireObject(value: unknown, what: string): void {
  if (value === null || typeof value !== "object") {
    throw ValidationError.forField("(root)", `must be ${what}, got ${value === null ? "null" : typeof value}`);
  }
}

function assertChosenProvider(providerId: string, provider: Provider | undefined): void {
  if (typeof provider !== "object" || provider === null) {
    throw ValidationError.forField("provider", "must be the chosen provider's record, as advertised at decision time");
  }
  if (providerId !== provider.provider_id) {
    throw ValidationError.forField(
      "provider_id",
      `"${providerId}" differs from provider.provider_id "${provider.provider_id}": log the id of the provider chosen`,
    );
  }
}

/**
 * The advertised reputations the reward may use (an outcome without `actual_reputation`), so that
 * a NaN one is refused with the decision rather than turning a later reward into NaN.
 */
function assertRewardReputations(provider: Provider, alternatives: Provider[] | undefined): void {
  assertReputation(provider.reputation, "provider.reputation");
  if (alternatives === undefined) return;
  if (!Array.isArray(alternatives)) {
    throw ValidationError.forField("alternatives", "must be an array of the providers the router may fall back to");
  }
  for (let i = 0; i < alternatives.length; i++) {
    const alternative = alternatives[i];
    if (typeof alternative !== "object" || alternative === null) {
      throw ValidationError.forField(`alternatives[${i}]`, "must be a provider's record, as advertised at decision time");
    }
    assertReputation(alternative.reputation, `alternatives[${i}].reputation`);
  }
}

/** `providerSchema`'s rule, checked by hand first: every alternative of every decision goes through it. */
function assertReputation(reputation: unknown, field: string): void {
  if (typeof reputation === "number" && reputation >= 0 && reputation <= 100) return;
  parseWith(providerSchema.shape.reputation, reputation, field);
}

const NONE_FAILED: Provider[] = [];

/**
 * The providers an outcome names in `failed_before`, each the chosen provider or one of the
 * record's alternatives, and none the provider the job ended on (`ValidationError` naming
 * `failed_before[i]` otherwise).
 */
function failedProviders(record: DecisionRecord, ids: readonly string[], endedOn: Provider): Provider[] {
  const failed = new Array<Provider>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    const field = `failed_before[${i}]`;
    if (id === endedOn.provider_id) {
      throw ValidationError.forField(
        field,
        `"${id}" is the provider the job ended on (provider_id, or the chosen provider when it is left out): name only those that failed before it`,
      );
    }
    const provider = id === record.provider_id ? record.provider : record.alternatives?.find((a) => a.provider_id === id);
    if (provider === undefined) {
      throw ValidationError.forField(
        field,
        `"${id}" is neither the chosen provider "${record.provider_id}" nor one of the decision's ` +
          `${record.alternatives?.length ?? 0} alternatives: name only providers the router tried from this decision`,
      );
    }
    failed[i] = provider;
  }
  return failed;
}

/** The provider an outcome is for; only a fallback outcome scans the (short) alternatives list. */
function providerOf(record: DecisionRecord, providerId: string | undefined): Provider {
  if (providerId === undefined || providerId === record.provider_id) return record.provider;
  const alternatives = record.alternatives ?? [];
  for (const alternative of alternatives) {
    if (alternative.provider_id === providerId) return alternative;
  }
  throw ValidationError.forField(
    "provider_id",
    `"${providerId}" is neither the chosen provider "${record.provider_id}" nor one of the decision's ` +
      `${alternatives.length} alternatives: report the provider the job actually ran on`,
  );
}
