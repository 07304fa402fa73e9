import { randomUUID } from "node:crypto";
import type { Anomaly, AuditEntry, AuditorStats, Partition } from "@aurora/auditor";
import { Auditor } from "@aurora/auditor";
import {
  type Clock,
  type Constraints,
  type Context,
  createRng,
  type DecideRequest,
  type DecideRequestInput,
  DuplicateFeedbackError,
  MAX_REWARD_MAGNITUDE,
  type Outcome,
  type OutcomeInput,
  type Provider,
  type PsiMetrics,
  type Rng,
  seededStringHash,
  stateKey,
  systemClock,
  ValidationError,
  VIOLATION_TYPES,
  type ViolationType,
} from "@aurora/domain";
import type { DecisionRecord, ExecutorDetailedStats, PreparedOutcome, SettledDecision } from "@aurora/executor";
import { DEFAULT_MAX_PENDING, DEFAULT_REWARD_WAIT_MS, Executor, FEEDBACK_RECEIVED } from "@aurora/executor";
import type { PsiSource } from "@aurora/psi-client";
import { NEUTRAL_PSI_METRICS, PsiClient } from "@aurora/psi-client";
import type { Policy, PolicyConfig, PolicyDeps, RewardUpdate, StrategistStats } from "@aurora/strategist";
import { createPolicy } from "@aurora/strategist";
import { CandidateMemo } from "./candidate-memo.js";
import {
  type ArchivedDecision,
  type CandidateExplanation,
  DecisionArchive,
  type DecisionView,
  explainCandidates,
} from "./decision-archive.js";
import { type DecisionLogStats, DecisionLogWriter } from "./decision-log-writer.js";
import { EngineClosedError } from "./engine-closed-error.js";
import { type ResolvedEngineOptions, type RoutingEngineOptions, resolveEngineOptions } from "./engine-options.js";
import type { AuditRecord, EngineStore, FoundDecision, Recovered, StoreStatus } from "./engine-store.js";
import { applyRemoteEvent, learnable, learnFailedAttempts, type ReplayTally, replayEvents } from "./event-replay.js";
import { buildGuardedPolicy } from "./guarded-policy.js";
import { statusOf, violationsOf } from "./journal-audit.js";
import { PartitionMemo } from "./partition-memo.js";
import { pendingCandidatesIn, pendingCandidatesToJSON } from "./pending-candidates.js";
import { topAlternatives } from "./rank-alternatives.js";
import { StateKeys } from "./state-keys.js";
import { FeedbackNotDurableError, SnapshotDeclinedError, storeRefusal } from "./store-errors.js";
import { abandonStore, recoverSync, rememberOpened, storeForOptions } from "./store-for-options.js";
import { parseDecideRequest, parseDecideRequestRest, parseOutcome } from "./wire-parsers.js";

export type DecisionModeOrNone = "explore" | "exploit" | "baseline" | "none";

export interface Alternative {
  provider_id: string;
  estimate: number;
}

export interface DecisionMetadata {
  decision_id: string;
  mode: DecisionModeOrNone;
  /** The policy's estimate for the chosen provider (the Q-value for Q-learning); null when none was chosen. */
  q_value: number | null;
  /** Effective exploration rate used for this decision (after the Ψ adjustment). */
  epsilon: number;
  state_key: string;
  /** True when the chosen provider meets every constraint. */
  validated: boolean;
  /**
   * The constraints the chosen provider breaks (empty when it meets them all). With no provider
   * chosen in strict mode: each constraint some remaining candidate breaks, once, which is what
   * the audit entry and `common_violations` count.
   */
  violations: ViolationType[];
  psi_adjusted: boolean;
  psi_density: number | null;
  psi_source: PsiSource | "request" | null;
  /** Probability with which the policy chose this provider from these candidates (for off-policy evaluation). */
  probability: number | null;
  /**
   * Present, false, when `probability` is only a lower bound: an A/B split per decision with an
   * arm that cannot state its probabilities (`thompson`, `lin-thompson`, or a composite over one) and did not choose.
   */
  probability_exact?: false;
  /**
   * An estimate of 1/`probability` whose mean is exactly that, where `probability` is itself a Monte
   * Carlo estimate (`thompson`, `lin-thompson`: geometric resampling): the importance weight for
   * off-policy evaluation. Absent where `probability` is exact.
   */
  inverse_probability?: number;
  policy: string;
  candidate_count: number;
  compliant_count: number;
  alternatives: Alternative[];
  /** The arm or inner policy that chose, for composite policies (A/B split, shadow, guardrail). */
  arm?: string;
  /** Every candidate with its estimate, violations and why it was or was not chosen; only with `explain: true`. */
  candidates?: CandidateExplanation[];
  /** Why no provider was chosen. */
  reason?: string;
}

/**
 * Everything that changes what the engine knows, as named events applied in one place.
 * The same events feed the journal, stores, exports and replicas (subscribe with `onEvent`).
 */
export type EngineEvent =
  | {
      type: "decision";
      record: DecisionRecord;
      /** The candidates the policy chose among (a replay repeats the choice's effect on the policy). */
      candidates: readonly Provider[];
    }
  | {
      type: "outcome";
      decision_id: string;
      outcome: Outcome;
      /** The provider the outcome was learned for (the chosen one, or the fallback the router used). */
      provider_id: string;
      reward: number;
      /** The reward each provider of `outcome.failed_before` was learned with (the failure reward); present only with them. */
      failed_reward?: number;
      before: number;
      after: number;
      at: number;
    }
  | { type: "settled"; decision_id: string; reason: SettledDecision["reason"]; reward: number | null; at: number };

export interface DecideResult {
  provider_id: string | null;
  metadata: DecisionMetadata;
}

export interface EngineStatus {
  strategist: StrategistStats;
  executor: ExecutorDetailedStats;
  auditor: AuditorStats;
  psi_field_connected: boolean;
  model_path: string | null;
  policy: string;
  settlement: { settled_with_default: number; settled_dropped: number };
  /** The store's health and counters; null without a store (no modelPath). */
  store: StoreStatus | null;
  /** The decision log's counts (`decisionLogPath`), its path and its last failed write; null without one. */
  decision_log: (DecisionLogStats & { path: string; last_error: string | null }) | null;
}

/**
 * Aurora's engine: composes a learning policy (strategist), the decision log (executor),
 * validation and audit (auditor) and the Ψ-Field client. It holds no policy maths,
 * reward formula or validation rule of its own.
 */
export class RoutingEngine {
  readonly #options: ResolvedEngineOptions;
  readonly #clock: Clock;
  readonly #policy: Policy;
  readonly #executor: Executor;
  readonly #auditor: Auditor;
  readonly #psi: PsiClient | undefined;
  readonly #stopPsiRefresh: (() => void) | undefined;
  readonly #decisionLog: DecisionLogWriter | undefined;
  /** The decision log goes on with the decisions pending at a restart (see `logsAcrossRestarts`). */
  readonly #logAcrossRestarts: boolean = false;
  readonly #store: EngineStore | undefined;
  /** The `log` option, or a warning on the console. */
  readonly #log: (message: string) => void;
  #stopTailing: (() => void) | undefined;
  #decisionsSinceSave = 0;
  /** Bumped on every snapshot written; decisions record the version they were made with. */
  #modelVersion = 0;
  readonly #archive: DecisionArchive;
  readonly #candidateLists = new CandidateMemo();
  /** Other replicas' candidate lists as the decision log keeps them: one copy of a list they send again and again. */
  readonly #remoteLists = new CandidateMemo();
  readonly #partitions = new PartitionMemo();
  readonly #stateKeys = new StateKeys();
  /** Scratch for `topAlternatives`: the ranked alternatives' indices (at most 100 are asked for). */
  readonly #top = new Int32Array(100);
  #saving: Promise<void> | undefined;
  #queuedSave: Promise<void> | undefined;
  /** The queued save was asked for by `save()`, so it holds the finished-id memory too. */
  #queuedWithFinished = false;
  #settledWithDefault = 0;
  /** Settlement-line claims the store is answering (`#claimLine`): close() waits for them before the store closes. */
  readonly #claiming = new Set<Promise<void>>();
  #settledDropped = 0;
  #closed = false;
  /** Set by the first `close()`: from then on decide and feedback are refused. */
  #closing: Promise<void> | undefined;
  /** Set while a store's asynchronous `recentAudit` is read back (`RoutingEngine.open` waits for it; it never rejects). */
  #auditRestored: Promise<void> | undefined;

  constructor(options?: RoutingEngineOptions) {
    const resolved = resolveEngineOptions(options);
    this.#options = resolved;
    this.#clock = resolved.clock ?? systemClock;

    try {
      this.#decisionLog = resolved.decisionLogPath ? openDecisionLog(resolved.decisionLogPath, resolved.maxPending) : undefined;
      this.#store = storeForOptions(resolved);
      if (this.#store) checkEventRetention(this.#store, resolved.rewardWaitMs ?? DEFAULT_REWARD_WAIT_MS);
      const recovered = this.#store ? recoverSync(this.#store) : undefined;
      const snapshot = recovered?.snapshot;
      this.#modelVersion = recovered?.receipt?.version ?? 0;
      const rng: Rng =
        resolved.rng ?? (resolved.seed !== undefined ? createRng(continuedSeed(resolved.seed, recovered)) : Math.random);
      // The policies decompose the reward the executor computes: they get the same weights.
      const weights = resolved.rewardWeights ?? {};
      // With no snapshot yet, the stored decisions name the policy that made them.
      const made = snapshot === undefined && recovered !== undefined ? policyOfEvents(recovered.events) : undefined;
      const configured =
        resolved.policy ?? (made !== undefined && !COMPOSITE_KINDS.has(made) ? ({ kind: made } as PolicyConfig) : undefined);
      this.#policy = resolved.guardrail
        ? buildGuardedPolicy(configured, resolved.guardrail, snapshot, rng, weights)
        : buildPolicy(configured, snapshot, rng, weights);
      if (made !== undefined) refuseEventsOfAnotherPolicy(made, this.#policy.name);

      this.#executor = new Executor({
        clock: this.#clock,
        parsedOutcomes: true, // feedback() parses every outcome before the executor sees it
        ...(resolved.rewardWeights ? { rewardWeights: resolved.rewardWeights } : {}),
        ...(resolved.rewardWaitMs !== undefined ? { rewardWaitMs: resolved.rewardWaitMs } : {}),
        ...(resolved.maxPending !== undefined ? { maxPending: resolved.maxPending } : {}),
        ...(this.#store?.settleGraceMs !== undefined ? { settleGraceMs: this.#store.settleGraceMs } : {}),
      });
      this.#auditor = new Auditor({
        strictMode: resolved.strictAudit,
        clock: this.#clock,
        ...(resolved.maxAuditEntries !== undefined ? { maxEntries: resolved.maxAuditEntries } : {}),
        ...(this.#store ? auditHooks(this.#store) : {}),
      });
      const finished = finishedIn(snapshot);
      if (finished !== undefined) this.#executor.restoreFinished(finished);
      this.#restoreCounters(snapshot);
      const executor = this.#executor;
      const replayed = replayEvents(this.#policy, pendingIn(snapshot), recovered?.events ?? [], this.#replayTally(), (id) =>
        executor.isFinished(id),
      );
      for (const [decisionId, how] of replayed.finished) this.#executor.rememberFinished(decisionId, how);
      // Over maxPending (a restart with a smaller one), the oldest are evicted as they are put back:
      // settled below, once the decision log and the archive are ready, as live evictions are.
      const evictedAtStart: SettledDecision[] = [];
      for (const record of replayed.pending) {
        this.#executor.restorePending(record);
        for (const evicted of this.#executor.drainSettled()) evictedAtStart.push(evicted);
      }
      this.#settledWithDefault += replayed.settledWithDefault;
      this.#settledDropped += replayed.settledDropped;
      this.#log = resolved.log ?? ((message: string) => console.warn(`[aurora] ${message}`));
      const log = this.#log;
      this.#logAcrossRestarts = logsAcrossRestarts(resolved, this.#store);
      if (this.#decisionLog && this.#logAcrossRestarts) {
        const shared = this.#store?.subscribe !== undefined;
        const settling = new Set(evictedAtStart.map(({ record }) => record.decision_id));
        resumeDecisionLog(this.#decisionLog, snapshot, recovered?.events ?? [], replayed.pending, shared, log, settling);
      }
      if (this.#store) this.#auditRestored = this.#restoreAudit(this.#store, log);
      if (replayed.unlearned > 0) {
        log(
          `${replayed.unlearned} journaled outcome(s) had a reward beyond ±1e16, which no policy learns (written before ` +
            "that bound): their decisions finished as recorded, without being learned",
        );
      }

      this.#archive = new DecisionArchive(resolved.maxDecisionRecords);

      if (resolved.psiFieldUrl) {
        this.#psi = new PsiClient({
          baseUrl: resolved.psiFieldUrl,
          clock: this.#clock,
          ...(resolved.psiTimeoutMs !== undefined ? { timeoutMs: resolved.psiTimeoutMs } : {}),
          ...(resolved.psiTtlMs !== undefined ? { ttlMs: resolved.psiTtlMs } : {}),
        });
        this.#stopPsiRefresh = this.#psi.startRefresh();
      }
      this.#stopTailing = this.#store?.subscribe?.((event) => this.#applyRemote(event));
      if (evictedAtStart.length > 0) {
        log(`${evictedAtStart.length} decision(s) pending at the restart were over maxPending: settled as evicted`);
        this.#settle(evictedAtStart);
      }
    } catch (error) {
      // Nothing was appended: give back what was opened, so that the next engine can start.
      this.#stopPsiRefresh?.();
      void this.#decisionLog?.close().catch(() => {});
      if (this.#store && !resolved.store) abandonStore(this.#store);
      throw error;
    }
  }

  /**
   * Opens the store first, then builds the engine on what it recovered. Needed for stores that
   * open asynchronously (PostgreSQL); works for every store, and without one.
   */
  static async open(options?: RoutingEngineOptions): Promise<RoutingEngine> {
    const store = storeForOptions(resolveEngineOptions(options));
    if (!store) return new RoutingEngine(options);
    rememberOpened(store, await store.open());
    let engine: RoutingEngine;
    try {
      engine = new RoutingEngine({ ...options, store });
    } catch (error) {
      abandonStore(store);
      throw error;
    }
    // Never rejects: a trail it cannot read back is logged and left empty.
    await engine.#auditRestored;
    engine.#auditRestored = undefined;
    return engine;
  }

  /** The JSONL decision log (`decisionLogPath`), for its stats; undefined without one. */
  get decisionLog(): DecisionLogWriter | undefined {
    return this.#decisionLog;
  }

  /** The policy in use (its name is in every decision's metadata). */
  get policy(): Policy {
    return this.#policy;
  }

  /**
   * Chooses a provider. Synchronous: it never waits on I/O (Ψ metrics come from the request
   * or from the client's cache). Throws `ValidationError` naming the field for bad input.
   */
  decide(request: DecideRequestInput): DecideResult {
    this.#assertOpen();
    const { context, providers, constraints, psi_metrics, explain } = this.#parseRequest(request);
    this.#settle(this.#executor.settleExpired());

    const key = this.#stateKeys.intern(stateKey(context));
    const psi = this.#psiFor(psi_metrics);
    const partition = this.#partitions.partition(providers, constraints, context);
    const kept = this.#partitions.constraintsFor(constraints, partition);
    const strict = this.#options.strictAudit;
    const useCompliant = partition.compliant.length > 0;
    const candidates = useCompliant ? partition.compliant : strict ? [] : partition.violating.map((v) => v.provider);

    if (candidates.length === 0) {
      return this.#noDecision(key, psi, providers.length, partition, strict, context, kept, explain === true);
    }

    // Two literals rather than a conditional spread, which copies through a generic clone each decision.
    const request_ =
      psi.density !== null
        ? { stateKey: key, context, candidates, psiDensity: psi.density }
        : { stateKey: key, context, candidates };
    // Asked before the choice, which may change the policy (counts, ε's decay): the odds it chose with.
    const probabilities = explain === true ? this.#policy.probabilities?.(request_) : undefined;
    const choice = this.#policy.choose(request_);
    const chosen = candidates[choice.index]!;
    // The records below keep the state key for thousands of decisions: the policy's own string
    // for it, when it has one, lets this decision's copy die young (see `Choice.stateKey`).
    const policyKey = choice.stateKey;
    const recordKey = policyKey === key ? policyKey : key;
    // The caller's own array: the partition's may be shared by later decisions (PartitionMemo).
    const violations: ViolationType[] = useCompliant ? [] : partition.violating[choice.index]!.violations.slice();
    const wanted = this.#options.alternatives > 0 || explain === true || this.#options.maxDecisionRecords > 0;
    // One candidate: its estimate is the choice's own (no second pass over the policy).
    const estimates = !wanted ? null : candidates.length > 1 ? this.#policy.estimate(request_) : [choice.estimate];
    // The best others by estimate, best first (ties: candidate order), as indices into #top.
    const ranked = estimates === null ? 0 : topAlternatives(estimates, choice.index, this.#options.alternatives, this.#top);
    const fallbacks = new Array<Provider>(ranked);
    const alternatives = new Array<{ provider_id: string; estimate: number }>(ranked);
    for (let k = 0; k < ranked; k++) {
      const index = this.#top[k] as number;
      const provider = candidates[index] as Provider;
      fallbacks[k] = provider;
      alternatives[k] = { provider_id: provider.provider_id, estimate: (estimates as readonly number[])[index] as number };
    }

    const metadata: DecisionMetadata = {
      decision_id: "",
      mode: choice.mode,
      q_value: choice.estimate,
      epsilon: choice.epsilon,
      state_key: recordKey,
      validated: violations.length === 0,
      violations,
      psi_adjusted: psi.density !== null && psi.density > 0,
      psi_density: psi.density,
      psi_source: psi.source,
      probability: choice.probability,
      policy: this.#policy.name,
      candidate_count: providers.length,
      compliant_count: partition.compliant.length,
      alternatives,
    };
    if (choice.tag !== undefined) metadata.arm = choice.tag;
    if (choice.probabilityExact === false) metadata.probability_exact = false;
    if (choice.inverseProbability !== undefined) metadata.inverse_probability = choice.inverseProbability;
    const record = this.#executor.recordDecision({
      state_key: recordKey,
      provider_id: chosen.provider_id,
      context,
      provider: chosen,
      alternatives: fallbacks,
      metadata: metadata as unknown as Record<string, unknown>,
    });
    metadata.decision_id = record.decision_id;
    if (this.#hasEventSinks) this.#emit({ type: "decision", record, candidates });
    const archived: ArchivedDecision = {
      decision_id: record.decision_id,
      at: record.created_at,
      state_key: recordKey,
      context,
      constraints: kept,
      partition,
      usedCompliant: useCompliant,
      chosenIndex: choice.index,
      estimates,
      provider_id: chosen.provider_id,
      mode: choice.mode,
      probability: choice.probability,
      epsilon: choice.epsilon,
      policy: this.#policy.name,
      model_version: this.#modelVersion,
      reason: null,
    };
    this.#archive.add(archived);
    if (explain === true) metadata.candidates = explainCandidates(archived, probabilities);
    this.#settle(this.#executor.drainSettled());
    this.#auditor.record({
      decision_id: record.decision_id,
      state_key: recordKey,
      provider_id: chosen.provider_id,
      violations,
      at: record.created_at, // the executor's clock read, not a second one
    });
    this.#afterDecision();
    return { provider_id: chosen.provider_id, metadata };
  }

  /**
   * Learns from the outcome of a decision and returns its reward. Throws `ValidationError`,
   * `UnknownDecisionError`, `DuplicateFeedbackError` or `LateFeedbackError`; in each case
   * the model is unchanged. When the policy's update throws (or gives a value that is not a
   * finite number), that error is thrown, nothing is recorded or journaled, and the decision
   * stays pending, so the same feedback can be sent again. The providers in `failed_before` are
   * learned first, each as a failed job: a plugged-in policy that throws on the final outcome
   * after learning them keeps them, and learns them again on the retry (the built-in policies
   * throw only on input refused before anything is learned).
   */
  async feedback(outcome: OutcomeInput): Promise<number> {
    this.#assertOpen();
    const parsed = parseOutcome(outcome);
    this.#settle(this.#executor.settleExpired());
    if (
      this.#store?.findDecision &&
      this.#executor.getPending(parsed.decision_id) === undefined &&
      !this.#executor.isFinished(parsed.decision_id)
    ) {
      await this.#adoptRemoteDecision(this.#store, parsed.decision_id);
      // The engine may have begun closing while the store was asked: nothing is learned then.
      this.#assertOpen();
    }
    if (this.#store?.refusesDuplicateOutcomes === true) return this.#feedbackConfirmed(this.#store, parsed);
    // Recorded only once the policy has learned it: a policy that throws (a plugged-in one, say)
    // leaves the decision pending for its feedback, and nothing is journaled.
    const prepared = this.#executor.prepareOutcome(parsed);
    const { reward, record, provider } = prepared;
    // Before anything is learned: the failed tries are learned first, and a retry must not learn them twice.
    refuseUnlearnable(prepared);
    const { before, after } = this.#learn(prepared, parsed);
    const durable = this.#hasEventSinks
      ? this.#emit(
          withFailedReward(
            {
              type: "outcome",
              decision_id: record.decision_id,
              outcome: parsed,
              provider_id: provider.provider_id,
              reward,
              before,
              after,
              at: this.#clock.now(),
            },
            prepared,
          ),
        )
      : undefined;
    this.#observeLearned(prepared, before, after);
    if (durable) {
      await durable.catch((error: unknown) => Promise.reject(storeRefusal(record.decision_id, error)));
      // Its line was queued when the store confirmed it: in the file before the answer. (Without a
      // store nothing is durable, and the line is written within the writer's interval.)
      await this.#decisionLog?.written();
    }
    return reward;
  }

  /**
   * The policy learns a prepared outcome, then the executor and the decision's record keep it:
   * recorded only once learned, so a policy that throws (a plugged-in one, say) leaves the
   * decision pending for its feedback.
   */
  #learn(prepared: PreparedOutcome, outcome: Outcome): { before: number; after: number } {
    const { reward, record, provider } = prepared;
    // The providers that failed first, in the order tried, then the one the job ended on.
    if (prepared.failed.length > 0) learnFailedAttempts(this.#policy, record, prepared.failed, prepared.failedReward);
    const update: RewardUpdate = { stateKey: record.state_key, context: record.context, provider, reward, outcome };
    const tag = (record.metadata as { arm?: string }).arm;
    if (tag !== undefined) update.tag = tag;
    if (prepared.failed.includes(record.provider)) update.judgedReward = prepared.failedReward;
    const learned = this.#policy.update(update);
    const { before, after } = learned;
    if (!Number.isFinite(before) || !Number.isFinite(after)) throw nonFiniteLearning(this.#policy.name, before, after);
    this.#executor.commitOutcome(prepared);
    this.#archive.attachOutcome(record.decision_id, outcome, reward, provider.provider_id);
    return learned;
  }

  /** The auditor sees a learned outcome's change of estimate (Q-value spikes, underperforming providers). */
  #observeLearned(prepared: PreparedOutcome, before: number, after: number): void {
    const { reward, record, provider, outcome } = prepared;
    this.#auditor.observeUpdate({
      decision_id: record.decision_id,
      state_key: record.state_key,
      provider_id: provider.provider_id,
      before,
      after,
      success: outcome.success,
      reward,
    });
  }

  /**
   * `feedback` on a store shared by replicas: the outcome is written first and learned once the
   * store accepted it. Another replica's feedback for the same decision may have been written first
   * (the two arrived together, or this replica had not yet read the other's): the store refuses
   * this one as a duplicate, and nothing was learned, counted or recorded here; the decision stays
   * pending until the other replica's outcome reaches this one and is learned. When the store cannot
   * say in time (`FeedbackNotDurableError`: the write stays queued and most likely lands), the
   * outcome is learned as it would have been, and the error thrown.
   */
  async #feedbackConfirmed(store: EngineStore, parsed: Outcome): Promise<number> {
    const prepared = this.#executor.prepareOutcome(parsed);
    const { reward, record, provider } = prepared;
    // What every policy refuses to learn is refused before it is written (the decision stays pending).
    refuseUnlearnable(prepared);
    const event = withFailedReward(
      {
        type: "outcome",
        decision_id: record.decision_id,
        outcome: parsed,
        provider_id: provider.provider_id,
        reward,
        // Known once learned: written as null, which no reader of the event uses.
        before: Number.NaN,
        after: Number.NaN,
        at: this.#clock.now(),
      },
      prepared,
    );
    let refusal: Error | undefined;
    let written: Promise<boolean> | undefined;
    try {
      await store.append(event);
    } catch (error) {
      written = writtenLater(error);
      refusal = storeRefusal(record.decision_id, error);
      if (refusal instanceof DuplicateFeedbackError) this.#executor.countDuplicate();
      if (!(refusal instanceof FeedbackNotDurableError)) throw refusal;
    }
    // Settled by expiry (or evicted) while the store was asked: that settlement stands here.
    if (this.#executor.getPending(record.decision_id) !== record) {
      if (refusal) {
        // Should the store write the outcome in the end, the database holds it: the log says so then.
        const log = this.#decisionLog;
        if (log && written)
          written.then(
            (ok) => {
              if (!ok) return;
              log.supersede(event);
              log.flushSoon();
            },
            () => {},
          );
        throw refusal;
      }
      // But the database holds the outcome, which every other replica learns: the log says so too.
      this.#decisionLog?.supersede(event);
      await this.#decisionLog?.written();
      return reward;
    }
    const { before, after } = this.#learn(prepared, parsed);
    const learned = { ...event, before, after };
    const log = this.#decisionLog;
    if (refusal === undefined) this.#notify(learned);
    else {
      // Not confirmed yet: its line waits for the store's word on the queued write, when the store
      // gives one (PostgreSQL does); without it, no line, as on a file store (stats().unconfirmed).
      if (log) {
        log.hold(record.decision_id);
        if (written === undefined) log.release(record.decision_id);
        else {
          written.then(
            (ok) => {
              if (!ok) return log.release(record.decision_id);
              log.onEvent(learned);
              log.flushSoon();
            },
            () => log.release(record.decision_id),
          );
        }
      }
      this.#options.onEvent?.(learned);
    }
    this.#observeLearned(prepared, before, after);
    if (refusal) throw refusal;
    // Written by the store already: its line is in the file before the answer.
    await log?.written();
    return reward;
  }

  /**
   * A decision another replica made, fetched so its feedback can land here. When another replica
   * took feedback for it already, that outcome is learned here (as the others' stream would bring
   * it), so the feedback is then refused as a duplicate; when it was settled and has no outcome,
   * it is finished here as settled (the feedback is late); when its wait ran out with no replica
   * left to settle it, it is settled here first, as this replica's own would be. A decision the
   * store had handed this replica already (`read`) was applied here and has finished, though it
   * is no longer remembered: the feedback is refused from the stored events, nothing applied again.
   */
  async #adoptRemoteDecision(store: EngineStore, decisionId: string): Promise<void> {
    let found: FoundDecision;
    try {
      if (store.findDecisionEvents) found = await store.findDecisionEvents(decisionId);
      else {
        const event = await store.findDecision?.(decisionId);
        found = { events: event ? [event] : [], read: false };
      }
    } catch (error) {
      // The store could not be asked (database down): whether the decision exists is unknown, and
      // nothing was learned or recorded. A typed refusal, as for feedback the store cannot keep.
      throw storeRefusal(decisionId, error);
    }
    // The others' stream may have brought it meanwhile.
    if (this.#executor.getPending(decisionId) !== undefined || this.#executor.isFinished(decisionId)) return;
    const { events } = found;
    const decision = events.find((event) => event.type === "decision");
    const outcome = events.find((event) => event.type === "outcome");
    const settled = events.find((event) => event.type === "settled");
    if (found.read) {
      // Learned (or settled) here once already, from the stream or a restart's replay; a retry of
      // its feedback after this replica forgot it (a snapshot without that memory, or more than
      // rememberSettled finished since) must not apply it a second time.
      if (outcome !== undefined) this.#executor.rememberFinished(decisionId, FEEDBACK_RECEIVED);
      else if (settled !== undefined) this.#executor.rememberFinished(decisionId, { kind: "settled", settledAt: settled.at });
      return;
    }
    if (outcome === undefined && settled !== undefined) {
      this.#executor.rememberFinished(decisionId, { kind: "settled", settledAt: settled.at });
      return;
    }
    if (decision === undefined) return;
    this.#applyRemote(decision);
    if (outcome !== undefined) {
      this.#applyRemote(outcome);
      return;
    }
    this.#settle(this.#executor.settleExpired());
  }

  /** Current Ψ metrics from the Ψ-Field (live, cached, last good or neutral; `source` says which). */
  async fetchPsiMetrics(): Promise<PsiMetrics & { source: PsiSource }> {
    if (!this.#psi) return { ...NEUTRAL_PSI_METRICS, source: "neutral" };
    const reading = await this.#psi.getMetrics();
    return { ...reading.metrics, source: reading.source };
  }

  /**
   * The whole record of one of the last `maxDecisionRecords` decisions: the request, every
   * candidate with its estimate, violations and why it was or was not chosen, the choice,
   * its probability, the policy and model version, and the outcome once known.
   */
  getDecision(decisionId: string): DecisionView | undefined {
    if (this.#closing === undefined) this.#settle(this.#executor.settleExpired());
    return this.#archive.get(decisionId);
  }

  /**
   * Audit entries, newest first: up to `limit` (default 100) of the last `maxAuditEntries`,
   * optionally of one decision only. With a store that keeps them (the file store, `MemoryStore`)
   * they include, after a restart, the newest entries its audit trail held.
   */
  getAuditTrail(options?: { limit?: number; decisionId?: string }): AuditEntry[] {
    return this.#auditor.getAuditTrail(options);
  }

  /** Anomalies raised (Q-value spikes, underperforming providers), newest first, up to `limit` (default 100); kept across a restart as audit entries are. */
  getAnomalies(options?: { limit?: number }): Anomaly[] {
    return this.#auditor.getAnomalies(options);
  }

  /**
   * `getStatus().settlement` without settling the decisions whose wait has passed first: after a
   * restart, the counts the snapshot kept plus the journal's settlements after it.
   */
  get settlementTotals(): { settled_with_default: number; settled_dropped: number } {
    return { settled_with_default: this.#settledWithDefault, settled_dropped: this.#settledDropped };
  }

  /** The seed's status shape: strategist, executor, auditor, psi_field_connected, model_path. */
  getStatus(): EngineStatus {
    // Settling records events: not into a store that is closing or closed.
    if (this.#closing === undefined) this.#settle(this.#executor.settleExpired());
    return {
      strategist: this.#policy.stats(),
      executor: this.#executor.stats(),
      auditor: this.#auditor.stats(),
      psi_field_connected: this.#psi?.connected ?? false,
      model_path: this.#options.modelPath ?? null,
      policy: this.#policy.name,
      settlement: { settled_with_default: this.#settledWithDefault, settled_dropped: this.#settledDropped },
      store: this.#store?.status() ?? null,
      decision_log: this.#decisionLog
        ? {
            path: this.#decisionLog.path,
            ...this.#decisionLog.stats(),
            last_error: this.#decisionLog.lastError?.message ?? null,
          }
        : null,
    };
  }

  /**
   * Writes the model now (atomically). Resolves once a snapshot taken after this call is on
   * disk; concurrent calls share one queued write. A no-op without `modelPath`. This snapshot
   * (like the one `close` and `saveSync` write) also holds the memory of finished decision ids,
   * so feedback repeated after a restart is refused as a duplicate or late, as do the ones the
   * engine takes by time (the store's `snapshotDue()` says `"timed"`); the snapshots it takes to
   * compact a journal past `minCompactBytes` leave it out (it is ~1.2 MB at 100,000 ids and would
   * make them several times larger), and a restart from one of those remembers the decisions
   * finished since it, from the journal.
   */
  save(): Promise<void> {
    return this.#save(true);
  }

  #save(withFinished: boolean): Promise<void> {
    if (!this.#store) return Promise.resolve();
    if (withFinished) this.#queuedWithFinished = true;
    if (this.#queuedSave) return this.#queuedSave;
    if (this.#saving) {
      this.#queuedSave = this.#saving
        .catch(() => {})
        .then(() => {
          this.#queuedSave = undefined;
          return this.#writeSnapshot(this.#queuedWithFinished);
        });
      return this.#queuedSave;
    }
    return this.#writeSnapshot(withFinished);
  }

  #writeSnapshot(withFinished: boolean): Promise<void> {
    this.#decisionsSinceSave = 0;
    this.#modelVersion++;
    this.#queuedWithFinished = false;
    const saving = this.#store!.snapshot(() => this.#snapshot(withFinished))
      .then(() => {})
      .finally(() => {
        if (this.#saving === saving) this.#saving = undefined;
      });
    this.#saving = saving;
    return saving;
  }

  /** Flushes the model and releases timers. The engine refuses work afterwards. */
  close(): Promise<void> {
    // Refuses new decisions and feedback from the first call on (EngineClosedError), while what
    // was already accepted is flushed; a second call waits for the first.
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    // Decisions whose wait has passed are due now: settled (learned, logged, stored) before the
    // model is saved, not left for a next start that may never come (a memory store, a replica
    // scaled down) or that would settle them with another wait.
    this.#settle(this.#executor.settleExpired());
    this.#stopPsiRefresh?.();
    this.#psi?.close();
    try {
      if (this.#store && this.#options.autoSave) {
        // A store that declines the snapshot on purpose has every acknowledged event durable.
        await this.save().catch((error: unknown) => {
          if (!(error instanceof SnapshotDeclinedError)) throw error;
          this.#log(`closing: ${error.message}`);
        });
      } else await this.#saving?.catch(() => {});
    } finally {
      this.#stopTailing?.();
      // Settlements still queued are written first, so that their lines' claims can be asked before the store closes.
      if (this.#store?.claimSettlementLines && this.#decisionLog) await this.#store.flush?.().catch(() => {});
      while (this.#claiming.size > 0) await Promise.all(this.#claiming);
      await this.#store?.close();
      // Settlements the store's own close wrote ask too (and are answered "unknown" once it is closed).
      while (this.#claiming.size > 0) await Promise.all(this.#claiming);
      this.#closed = true;
      // Lines lost to a failed write were counted (`getStatus().decision_log`) and the model is
      // saved: said, not thrown, so that a close which kept everything acknowledged succeeds.
      const writer = this.#decisionLog;
      await writer?.close().catch((error: unknown) => {
        this.#log(
          `the decision log lost ${writer.stats().dropped} line(s) since start; the last failed write: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    }
  }

  /**
   * For exit handlers that cannot await: writes the model synchronously, also while `close()` is
   * still running (a graceful close that cannot finish in time). Once `close()` has finished, the
   * store is closed (it wrote the model itself with `autoSave`): `EngineClosedError`.
   */
  saveSync(): void {
    if (this.#closed) throw new EngineClosedError();
    this.#store?.snapshotSync?.(() => this.#snapshot(true));
  }

  #snapshot(withFinished: boolean): Record<string, unknown> {
    const pending = [...this.#executor.pendingRecords()];
    const snapshot: Record<string, unknown> = {
      // A point-in-time copy the store writes a piece at a time, where the policy offers one.
      ...((this.#policy.snapshot?.() ?? this.#policy.toJSON()) as unknown as Record<string, unknown>),
      pending,
    };
    const log = this.#logAcrossRestarts ? this.#decisionLog : undefined;
    const candidates = log && pendingCandidatesToJSON(pending, (id) => log.candidatesOf(id));
    if (candidates) snapshot.pending_candidates = candidates;
    if (withFinished) snapshot.finished = this.#executor.finishedToJSON();
    snapshot.counters = {
      executor: this.#executor.countersToJSON(),
      auditor: this.#auditor.countersToJSON(),
      settled_with_default: this.#settledWithDefault,
      settled_dropped: this.#settledDropped,
    };
    snapshot.saved_at = new Date(this.#clock.now()).toISOString();
    return snapshot;
  }

  /**
   * Puts back the status counters a snapshot kept (snapshots written before they were kept have
   * none: the counts then start from the journal's events). A `ValidationError` names the bad part.
   */
  #restoreCounters(snapshot: unknown): void {
    const counters = countersIn(snapshot);
    if (counters === undefined) return;
    if (typeof counters !== "object" || counters === null || Array.isArray(counters)) {
      throw ValidationError.forField("snapshot.counters", "must be { executor, auditor, settled_with_default, settled_dropped }");
    }
    const c = counters as Record<string, unknown>;
    for (const name of ["settled_with_default", "settled_dropped"] as const) {
      if (!Number.isSafeInteger(c[name]) || (c[name] as number) < 0) {
        throw ValidationError.forField(`snapshot.counters.${name}`, "must be a whole number ≥ 0");
      }
    }
    this.#executor.restoreCounters(c.executor, "snapshot.counters.executor");
    this.#auditor.restoreCounters(c.auditor, "snapshot.counters.auditor");
    this.#settledWithDefault = c.settled_with_default as number;
    this.#settledDropped = c.settled_dropped as number;
  }

  /**
   * Puts the newest records of the store's audit trail (as many as the auditor's rings hold) back
   * into the auditor, so the trail and anomalies read after a restart as before it. The journal's
   * decisions after the snapshot were only counted (`#replayTally`): their entries come from here,
   * once, where the store wrote them. A store whose `recentAudit` answers later (a promise) fills
   * the rings when it does, unless something was recorded meanwhile (`RoutingEngine.open` waits
   * for it, so nothing is); a store it cannot read, or a record that is not one, is logged and the trail starts empty.
   */
  #restoreAudit(store: EngineStore, log: (message: string) => void): Promise<void> | undefined {
    if (!store.recentAudit) return undefined;
    const { entries, anomalies } = this.#auditor.capacity;
    const field = `${store.kind} store's audit trail`;
    // The trail in memory is a view of the store's: one it cannot read back does not stop the engine.
    const unread = (error: unknown) =>
      log(`could not read back the ${field} (${(error as Error)?.message ?? String(error)}): the in-memory trail starts empty`);
    let found: AuditRecord[] | Promise<AuditRecord[]>;
    try {
      found = store.recentAudit(entries + anomalies);
      if (Array.isArray(found)) {
        this.#auditor.restoreRecorded(found, field);
        return undefined;
      }
    } catch (error) {
      unread(error);
      return undefined;
    }
    return Promise.resolve(found)
      .then((records: AuditRecord[]) => {
        if (this.#auditor.getAuditTrail({ limit: 1 }).length > 0 || this.#auditor.getAnomalies({ limit: 1 }).length > 0) {
          log(`the ${field} was read after this engine recorded entries: left out of memory (create it with RoutingEngine.open)`);
          return;
        }
        this.#auditor.restoreRecorded(records, field);
      })
      .catch(unread);
  }

  /**
   * Applies another replica's event (see `applyRemoteEvent`), counting its decision as the replay
   * after a restart does (`#replayTally`): on a store shared by replicas, every replica's counters
   * hold every decision and outcome it applied, its own and the others', live and after a restart.
   */
  #applyRemote(event: EngineEvent): void {
    const applied = applyRemoteEvent(this.#policy, this.#executor, event);
    if (applied === true && event.type === "decision") {
      this.#replayTally().decision(event.record);
      // Over maxPending, the oldest decision here was evicted: settled (and logged) before the
      // next one, so that a poll bringing many decisions cannot push their lines out of the log.
      if (this.#closing === undefined) this.#settle(this.#executor.drainSettled());
      // Its feedback may come here: this replica logs it then.
      if (this.#decisionLog) this.#decisionLog.onRemoteEvent(sharingLists(this.#remoteLists, event));
    }
    if (typeof applied === "object") {
      // Another replica's feedback for a decision made here: its record shows the outcome, as a local one's does.
      this.#archive.attachOutcome(applied.decision_id, applied.outcome, applied.reward, applied.provider_id);
      // That replica logs it.
      this.#decisionLog?.onRemoteEvent(event);
    }
  }

  /** Counts the journal's events after the snapshot as live traffic counted them (audit entries by the decisions' violations). */
  #replayTally(): ReplayTally {
    const executor = this.#executor;
    const auditor = this.#auditor;
    return {
      decision(record) {
        const violations = violationsOf(record);
        auditor.countRecordedEntry(statusOf(violations), violations);
        executor.countRecorded({ type: "decision" });
      },
      outcome: (outcome) => executor.countRecorded({ type: "outcome", outcome }),
      settled: (reason) => executor.countRecorded({ type: "settled", reason }),
    };
  }

  #afterDecision(): void {
    if (!this.#options.autoSave || !this.#store) return;
    this.#decisionsSinceSave++;
    // With a journal a snapshot only compacts it: the store says when that is worth its cost.
    if (this.#decisionsSinceSave < this.#options.saveEvery || this.#saving) return;
    const due = this.#store.snapshotDue();
    if (due) {
      // A snapshot cut by time (a small journal) keeps the finished decisions' memory: without it a
      // crash a second later would forget which decisions had their feedback (404, not 409).
      this.#save(due === "timed").catch((error: unknown) => {
        // A failed background save must not crash the caller; the next save tries again.
        this.#lastSaveError = error;
      });
    }
  }

  #lastSaveError: unknown;
  /** The last store write whose failure `#emit` records (see there). */
  #watchedWrite: Promise<void> | undefined;

  /** The last error of a background save, if any (the sidecar reports it in /readyz). */
  get lastSaveError(): unknown {
    return this.#lastSaveError;
  }

  #settle(settled: readonly SettledDecision[]): void {
    if (settled.length === 0) return;
    const reward = this.#options.defaultReward;
    for (const { record, reason, settled_at } of settled) {
      this.#emit({ type: "settled", decision_id: record.decision_id, reason, reward: reward ?? null, at: settled_at });
      this.#archive.attachSettlement(record.decision_id, reason, reward ?? null, settled_at);
      if (reward === undefined) {
        this.#settledDropped++;
        continue;
      }
      const tag = (record.metadata as { arm?: string }).arm;
      this.#policy.update({
        stateKey: record.state_key,
        context: record.context,
        provider: record.provider,
        reward,
        settled: true,
        ...(tag !== undefined ? { tag } : {}),
      });
      this.#settledWithDefault++;
    }
  }

  #psiFor(requested: PsiMetrics | undefined): { density: number | null; source: PsiSource | "request" | null } {
    if (requested) return { density: requested.density, source: "request" };
    if (!this.#psi) return { density: null, source: null };
    const reading = this.#psi.peek();
    return reading.source === "neutral"
      ? { density: null, source: "neutral" }
      : { density: reading.metrics.density, source: reading.source };
  }

  #noDecision(
    key: string,
    psi: { density: number | null; source: PsiSource | "request" | null },
    candidateCount: number,
    partition: Partition,
    strict: boolean,
    context: Context,
    constraints: Constraints | undefined,
    explain: boolean,
  ): DecideResult {
    const excluded = partition.excluded.length;
    const violating = partition.violating.length;
    const reason =
      violating > 0 && strict
        ? `strict audit: all ${violating} remaining provider(s) violate the constraints${excluded > 0 ? ` (${excluded} excluded by allow/deny)` : ""}`
        : `no provider is allowed: all ${excluded} candidate(s) were excluded by allow/deny`;
    const decisionId = `none-${randomUUID()}`;
    const epsilon = this.#policy.stats().epsilon;
    // What stood in the way: each constraint some remaining provider breaks (none when allow/deny left nobody).
    const blocking = strict ? blockingViolations(partition) : [];
    this.#auditor.record({ decision_id: decisionId, state_key: key, provider_id: null, violations: blocking, notes: [reason] });
    const archived: ArchivedDecision = {
      decision_id: decisionId,
      at: this.#clock.now(),
      state_key: key,
      context,
      constraints,
      partition,
      usedCompliant: true,
      chosenIndex: -1,
      estimates: null,
      provider_id: null,
      mode: "none",
      probability: null,
      epsilon,
      policy: this.#policy.name,
      model_version: this.#modelVersion,
      reason,
    };
    this.#archive.add(archived);
    const metadata: DecisionMetadata = {
      decision_id: decisionId,
      mode: "none",
      q_value: null,
      epsilon,
      state_key: key,
      validated: false,
      violations: blocking,
      psi_adjusted: false,
      psi_density: psi.density,
      psi_source: psi.source,
      probability: null,
      policy: this.#policy.name,
      candidate_count: candidateCount,
      compliant_count: 0,
      alternatives: [],
      reason,
    };
    if (explain) metadata.candidates = explainCandidates(archived);
    return { provider_id: null, metadata };
  }

  /** Whether any store, decision log or `onEvent` listener takes events: without one, none is built. */
  get #hasEventSinks(): boolean {
    return this.#store !== undefined || this.#decisionLog !== undefined || this.#options.onEvent !== undefined;
  }

  /**
   * Hands the event to the store (in order) and to `onEvent`; returns when it will be durable.
   * The decision log hears how a decision finished once the store has written it, so that no
   * line is written twice: an outcome or settlement lost in a crash (or refused, possibly lost)
   * leaves its decision pending after the restart, and its line is written when it finishes then.
   * The line is written on the next turn of the event loop, not after the writer's interval.
   */
  #emit(event: EngineEvent): Promise<void> | undefined {
    const durable = this.#store?.append(event);
    // Decisions and settlements are not acknowledged to anyone; a failed write shows in status and /readyz.
    // Appends waiting for the same commit share one promise (the file store's group commit): one handler for it is enough.
    if (durable && event.type !== "outcome" && durable !== this.#watchedWrite) {
      this.#watchedWrite = durable;
      durable.catch((error: unknown) => (this.#lastSaveError = error));
    }
    const log = this.#decisionLog;
    if (durable && log && event.type !== "decision") {
      const id = event.decision_id;
      // Every replica settles its own copy: on a store that hands out the line, the first to claim it logs it.
      const claim = event.type === "settled" && this.#store?.claimSettlementLines !== undefined;
      log.hold(id);
      durable.then(
        () => {
          if (claim) return this.#claimLine(log, event);
          log.onEvent(event);
          // A group commit settles many appends at once: one write for all of their lines.
          log.flushSoon();
        },
        () => log.release(id, event.type === "settled"),
      );
      this.#options.onEvent?.(event);
    } else this.#notify(event);
    return durable;
  }

  /** Asks the store whose line a written settlement is; close() waits for the answer. */
  #claimLine(log: DecisionLogWriter, event: Extract<EngineEvent, { type: "settled" }>): void {
    const store = this.#store as EngineStore & Required<Pick<EngineStore, "claimSettlementLines">>;
    const asked = store.claimSettlementLines([event.decision_id]).then(
      (claimed) => log.onEvent(event, { claim: claimed.has(event.decision_id) ? "mine" : "theirs" }),
      // The store could not say: logging it here might log it twice, so it is counted instead.
      () => log.onEvent(event, { claim: "unknown" }),
    );
    const done = asked.then(() => {
      this.#claiming.delete(done);
      log.flushSoon();
    });
    this.#claiming.add(done);
  }

  /** Hands the event to the decision log and to `onEvent`. */
  #notify(event: EngineEvent): void {
    this.#decisionLog?.onEvent(event);
    const listener = this.#options.onEvent;
    if (listener) listener(event);
  }

  /**
   * `parseDecideRequest`, validating a candidate list that equals one validated before only by
   * comparing it (see `CandidateMemo`). Any error comes from the whole request's parse, as always.
   */
  #parseRequest(request: DecideRequestInput): DecideRequest {
    const input = typeof request === "object" && request !== null ? (request as { providers?: unknown }).providers : undefined;
    const known = this.#candidateLists.find(input);
    if (known !== undefined) {
      let rest: Omit<DecideRequest, "providers">;
      try {
        rest = parseDecideRequestRest(request);
      } catch {
        return parseDecideRequest(request);
      }
      // Built field by field: a spread of `rest` would copy through a generic clone.
      const { context, constraints, psi_metrics, explain } = rest;
      const parsed: DecideRequest = { context, providers: known as Provider[] };
      if (constraints !== undefined) parsed.constraints = constraints;
      if (psi_metrics !== undefined) parsed.psi_metrics = psi_metrics;
      if (explain !== undefined) parsed.explain = explain;
      return parsed;
    }
    const parsed = parseDecideRequest(request);
    parsed.providers = this.#candidateLists.remember(input, parsed.providers) as Provider[];
    return parsed;
  }

  #assertOpen(): void {
    if (this.#closed || this.#closing !== undefined) throw new EngineClosedError();
  }
}

/** Kinds that cannot be built from their name alone: their config names the policies inside. */
const COMPOSITE_KINDS: ReadonlySet<string> = new Set(["ab", "shadow", "guardrail"]);

/** The policy that made the first decision among the events, if any. */
function policyOfEvents(events: Iterable<EngineEvent>): string | undefined {
  for (const event of events) if (event.type === "decision") return String(event.record.metadata.policy);
  return undefined;
}

/**
 * A store with no snapshot yet (a crash before the first) hands back only events, whose decisions
 * name the policy that made them (`made`). With no policy configured, a single policy's kind is
 * taken from them, as a snapshot's would be; replayed into another kind they would become its
 * model without a word, where a snapshot of another kind is refused: so are they. A guardrail
 * switched on over them is let through, as over a snapshot, without checking the kind it guards
 * (not known here).
 */
function refuseEventsOfAnotherPolicy(made: string, name: string): void {
  if (made === name || name === "guardrail") return;
  throw ValidationError.forField(
    "policy",
    `is "${made}" (the stored decisions, with no snapshot yet), but this is the "${name}" policy: create a "${made}" policy to load it`,
  );
}

function buildPolicy(
  configured: PolicyConfig | Policy | undefined,
  snapshot: unknown,
  rng: Rng,
  rewardWeights: PolicyDeps["rewardWeights"],
): Policy {
  if (configured && typeof (configured as Policy).choose === "function") return configured as Policy;
  const fromFile =
    snapshot && typeof snapshot === "object" && typeof (snapshot as { policy?: unknown }).policy === "string"
      ? (snapshot as { policy: string }).policy
      : undefined;
  const config = (configured as PolicyConfig | undefined) ?? ({ kind: fromFile ?? "q-learning" } as PolicyConfig);
  return createPolicy(config, { rng, rewardWeights, ...(snapshot !== undefined ? { snapshot } : {}) });
}

/**
 * The engine's decision log. Its writer holds as many decisions as the executor keeps pending, and
 * one more: a decision that evicts the oldest reaches it before the eviction's settlement does.
 */
function openDecisionLog(path: string, maxPending = DEFAULT_MAX_PENDING): DecisionLogWriter {
  try {
    return new DecisionLogWriter({ path, maxPending: maxPending + 1 });
  } catch (error) {
    if (error instanceof ValidationError && error.field === "path") {
      throw ValidationError.forField("decisionLogPath", error.issues[0]?.message ?? error.message);
    }
    throw error;
  }
}

/** The finished-id memory a snapshot holds; undefined in snapshots written before it was kept. */
function finishedIn(snapshot: unknown): unknown {
  return snapshot && typeof snapshot === "object" ? (snapshot as { finished?: unknown }).finished : undefined;
}

/** The status counters a snapshot holds; undefined in snapshots written before they were kept. */
function countersIn(snapshot: unknown): unknown {
  return snapshot && typeof snapshot === "object" ? (snapshot as { counters?: unknown }).counters : undefined;
}

/**
 * Whether a restart hands the decision log back the decisions still pending, and snapshots keep
 * their candidates for it. Not with a model file that does not journal (`autoSave: false`), whose
 * restart goes back to the last `save()`: decisions that finished after it come back pending, and
 * were logged already.
 */
function logsAcrossRestarts(options: ResolvedEngineOptions, store: EngineStore | undefined): boolean {
  if (store === undefined) return false;
  return store.journals !== false && (options.store !== undefined || options.autoSave);
}

/**
 * Hands the decision log the decisions still pending after a restart, with the candidates they
 * chose among (from the snapshot's `pending_candidates`, or the journal's decision events), so
 * each is logged when its outcome or settlement comes. None of them has a line yet: a line is
 * written only once its decision has finished, and these have not. With a store shared by
 * replicas (`shared`) they are every replica's, handed over as another replica's: logged here if
 * their feedback comes here, but not when they are settled, which each live replica does too.
 */
function resumeDecisionLog(
  writer: DecisionLogWriter,
  snapshot: unknown,
  events: Iterable<EngineEvent>,
  pending: readonly DecisionRecord[],
  shared: boolean,
  log: (message: string) => void,
  settling: ReadonlySet<string>,
): void {
  if (pending.length === 0) return;
  const { byDecision, problem } = pendingCandidatesIn(snapshot);
  if (problem !== undefined) log(`${problem}: decisions pending at the snapshot are not logged when they finish`);
  const waiting = new Set(pending.map((record) => record.decision_id));
  for (const event of events) {
    if (event.type === "decision" && waiting.has(event.record.decision_id)) {
      byDecision.set(event.record.decision_id, event.candidates);
    }
  }
  const lists = new CandidateMemo();
  for (const record of pending) {
    const candidates = byDecision.get(record.decision_id);
    if (candidates === undefined) continue;
    const event = sharingLists(lists, { type: "decision", record, candidates });
    if (shared) writer.onRemoteEvent(event, { resumed: true });
    else writer.onEvent(event);
    // Evicted at this start, settled once the engine is ready: held, so later ones do not push it out.
    if (settling.has(record.decision_id)) writer.hold(record.decision_id);
  }
}

/**
 * The promise a store's refusal of an append may carry (`written`, see `EngineStore.append`): the
 * store's later word on a write it keeps queued. Undefined when it carries none.
 */
function writtenLater(error: unknown): Promise<boolean> | undefined {
  const written = (error as { written?: unknown } | null)?.written;
  return written instanceof Promise ? (written as Promise<boolean>) : undefined;
}

/**
 * A decision event whose candidate list is the one `lists` holds when an equal list came before,
 * so that the decision log (and the snapshot's `pending_candidates`, which writes a list once per
 * object) keeps one copy of a list decisions share, as it does for this engine's own decisions.
 */
function sharingLists(lists: CandidateMemo, event: Extract<EngineEvent, { type: "decision" }>): typeof event {
  const found = lists.find(event.candidates);
  if (found !== undefined) return found === event.candidates ? event : { ...event, candidates: found };
  return { ...event, candidates: lists.remember(event.candidates, [...event.candidates]) };
}

function pendingIn(snapshot: unknown): DecisionRecord[] {
  if (!snapshot || typeof snapshot !== "object") return [];
  const pending = (snapshot as { pending?: unknown }).pending;
  return Array.isArray(pending) ? (pending as DecisionRecord[]) : [];
}

/** The auditor's entries and anomalies also go to the store's hash-chained audit trail. */
function auditHooks(store: EngineStore) {
  return {
    onEntry: (entry: AuditEntry) => store.appendAudit({ kind: "entry", entry }),
    onAnomaly: (anomaly: Anomaly) => store.appendAudit({ kind: "anomaly", anomaly }),
  };
}

/**
 * A policy's update gave a value that is not a finite number: a bug in that policy (the wire's
 * bounds keep every input finite), not the caller's doing, so not a `ValidationError`. The
 * outcome is neither recorded nor journaled; its decision stays pending.
 */
function nonFiniteLearning(policy: string, before: number, after: number): Error {
  return new Error(
    `policy ${policy} learned a value that is not a finite number (before ${before}, after ${after}): the outcome was not recorded`,
  );
}

/**
 * The seed a seeded engine draws from. A fresh start draws from `seed` itself (reproducible runs);
 * a restart on a store that holds a model mixes in how far that model has come (its snapshot's
 * version, the events after it), so a service restarted every k decisions does not draw the same
 * k numbers again each time (the same A/B arms, the same explorations), while a restart on the
 * same history still continues the same way.
 */
function continuedSeed(seed: number, recovered: Recovered | undefined): number {
  if (recovered === undefined) return seed;
  const events = Array.isArray(recovered.events) ? recovered.events.length : 0;
  const version = recovered.receipt?.version ?? 0;
  if (recovered.snapshot === undefined && events === 0) return seed;
  return seededStringHash(seed, `${version}:${events}`);
}

/** Every violation type some violating candidate has, once each, in `VIOLATION_TYPES` order. */
function blockingViolations(partition: Partition): ViolationType[] {
  const seen = new Set<ViolationType>();
  for (const { violations } of partition.violating) for (const type of violations) seen.add(type);
  return VIOLATION_TYPES.filter((type) => seen.has(type));
}

/**
 * A store that removes finished decisions' events must keep them past every replica's settlement:
 * a decision evicted or settled on one replica stays pending on another until its wait and the
 * grace have passed, and that replica's feedback must still find the decision's event.
 */
function checkEventRetention(store: EngineStore, rewardWaitMs: number): void {
  const retention = store.eventRetentionMs;
  if (retention === undefined || retention === Number.POSITIVE_INFINITY) return;
  const needed = rewardWaitMs + (store.settleGraceMs ?? 0);
  if (retention < needed) {
    throw ValidationError.forField(
      "store.eventRetentionMs",
      `is ${retention} ms, shorter than rewardWaitMs + the store's settleGraceMs (${needed} ms): a decision settled on one replica may still be pending on another until then; keep events at least that long, or shorten rewardWaitMs`,
    );
  }
}

type OutcomeEvent = Extract<EngineEvent, { type: "outcome" }>;

/** The outcome event with `failed_reward` when the outcome names providers that failed before (no copy on the common path). */
function withFailedReward(event: OutcomeEvent, prepared: PreparedOutcome): OutcomeEvent {
  if (prepared.failed.length > 0) event.failed_reward = prepared.failedReward;
  return event;
}

/**
 * Refuses, before anything is learned or written, an outcome whose reward (or the failure reward
 * its failed tries are learned with) no policy learns: the decision stays pending for a retry.
 */
function refuseUnlearnable(prepared: PreparedOutcome): void {
  if (!learnable(prepared.reward)) {
    throw ValidationError.forField("reward", `must be within ±${MAX_REWARD_MAGNITUDE.toExponential()}, got ${prepared.reward}`);
  }
  if (prepared.failed.length > 0 && !learnable(prepared.failedReward)) {
    throw ValidationError.forField(
      "failed_before",
      `each is learned with the failure reward, which must be within ±${MAX_REWARD_MAGNITUDE.toExponential()}, got ${prepared.failedReward}`,
    );
  }
}
