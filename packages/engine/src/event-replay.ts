import { MAX_REWARD_MAGNITUDE, type Outcome, type Provider } from "@aurora/domain";
import { type DecisionRecord, type Executor, FEEDBACK_RECEIVED, type Finished, type SettledReason } from "@aurora/executor";
import { type Policy, type RecordedChoice, type RewardUpdate, replayDecision } from "@aurora/strategist";
import type { EngineEvent } from "./routing-engine.js";

type DecisionEvent = Extract<EngineEvent, { type: "decision" }>;
type OutcomeEvent = Extract<EngineEvent, { type: "outcome" }>;

/** What replay found: the decisions still pending, oldest first, and what it learned or skipped. */
export interface ReplayResult {
  pending: DecisionRecord[];
  outcomes: number;
  settledWithDefault: number;
  settledDropped: number;
  /** Outcomes or settlements for a decision that was not pending (already settled, or another replica's copy). */
  skipped: number;
  /**
   * Outcomes and default-reward settlements whose recorded reward is beyond what a policy learns
   * (±`MAX_REWARD_MAGNITUDE`; only a version without that bound wrote such events): their
   * decisions finish as they did, unlearned, where learning them would have stopped the restart.
   */
  unlearned: number;
  /** The decisions that finished in the replayed events (feedback or settlement), in the order they did. */
  finished: [decisionId: string, finished: Finished][];
}

/**
 * Repeats a decision's effect on the policy, on the same candidates, as it was live: the decision
 * is counted and the policy meets providers new to the state. The policy is told what was recorded
 * (the provider played, the choice's tag `metadata.arm` and ε `metadata.epsilon`), so that a
 * composite counts the decision on the recorded arm or label instead of drawing again, and a
 * Thompson policy reports the recorded ε (`Policy.replay`); a policy without `replay` chooses
 * anew, its pick discarded: the recorded choice stands.
 */
export function replayChoice(policy: Policy, event: DecisionEvent): void {
  const { record, candidates } = event;
  const {
    psi_density: psiDensity,
    arm,
    epsilon,
  } = record.metadata as {
    psi_density?: unknown;
    arm?: unknown;
    epsilon?: unknown;
  };
  const recorded: RecordedChoice = { providerId: record.provider_id };
  if (typeof arm === "string") recorded.tag = arm;
  if (typeof epsilon === "number") recorded.epsilon = epsilon;
  replayDecision(
    policy,
    {
      stateKey: record.state_key,
      context: record.context,
      candidates,
      ...(typeof psiDensity === "number" ? { psiDensity } : {}),
    },
    recorded,
  );
}

/** The policy update an outcome or a default-reward settlement of `record` makes. */
export function rewardUpdate(
  record: DecisionRecord,
  provider: Provider,
  reward: number,
  outcome?: OutcomeEvent["outcome"],
): RewardUpdate {
  const tag = (record.metadata as { arm?: string }).arm;
  const update: RewardUpdate = { stateKey: record.state_key, context: record.context, provider, reward };
  if (tag !== undefined) update.tag = tag;
  if (outcome !== undefined) update.outcome = outcome;
  return update;
}

/** What a provider that failed before the one the job ended on is learned from: a failed job. */
const FAILED_ATTEMPT = Object.freeze({ success: false, actual_cost_usd: 0, actual_latency_ms: 0 });

/**
 * The policy learns each provider that failed before the one the job ended on (the outcome's
 * `failed_before`, resolved against the record) as a failed job of this decision, with `reward`
 * (the failure reward), in the order tried: `attempt` updates, which are not feedback.
 */
export function learnFailedAttempts(policy: Policy, record: DecisionRecord, failed: readonly Provider[], reward: number): void {
  for (const provider of failed) {
    const update: RewardUpdate = { ...rewardUpdate(record, provider, reward), outcome: FAILED_ATTEMPT, attempt: true };
    policy.update(update);
  }
}

/** The failed attempts an outcome event names, as its record's providers, with the reward they were learned with. */
function failedAttemptsOf(record: DecisionRecord, event: OutcomeEvent): readonly Provider[] {
  const ids = event.outcome.failed_before;
  if (ids === undefined || ids.length === 0 || event.failed_reward === undefined || !learnable(event.failed_reward)) return [];
  return ids.map((id) => providerOf(record, id));
}

/** The update an outcome event makes, judged by its failure when the chosen provider failed first (`judgedReward`). */
function outcomeUpdate(record: DecisionRecord, event: OutcomeEvent): RewardUpdate {
  const update = rewardUpdate(record, providerOf(record, event.provider_id), event.reward, event.outcome);
  if (failedAttemptsOf(record, event).includes(record.provider)) update.judgedReward = event.failed_reward as number;
  return update;
}

/** A recorded reward a policy can learn (see `MAX_REWARD_MAGNITUDE`). */
export function learnable(reward: number): boolean {
  return Math.abs(reward) <= MAX_REWARD_MAGNITUDE;
}

function providerOf(record: DecisionRecord, providerId: string): Provider {
  if (providerId === record.provider_id) return record.provider;
  return record.alternatives?.find((a) => a.provider_id === providerId) ?? record.provider;
}

/** Told of each event a replay applies (not of those it skips), to count them as live traffic did. */
export interface ReplayTally {
  decision(record: DecisionRecord): void;
  outcome(outcome: Outcome): void;
  settled(reason: SettledReason): void;
}

/**
 * Replays events recorded after a snapshot on top of it, in order, as live traffic applied them:
 * decision → pending (and its effect on the policy, `replayChoice`); outcome → the policy learns the
 * recorded reward; settled → the default reward is learned, or the decision is dropped. The
 * pending decisions come back for the executor, oldest first. `tally` hears of every event applied.
 *
 * A decision the snapshot remembers as finished (`finished`) is skipped, with its outcome and
 * settlements: the model holds it already. A store shared by replicas can hand one back after
 * the snapshot's cut (a replica fed back another's decision before its stream brought it); made
 * pending again, it would be learned twice, or refused as reused and stop the restart.
 */
export function replayEvents(
  policy: Policy,
  snapshotPending: readonly DecisionRecord[],
  events: Iterable<EngineEvent>,
  tally?: ReplayTally,
  finished?: (decisionId: string) => boolean,
): ReplayResult {
  const pending = new Map<string, DecisionRecord>();
  for (const record of snapshotPending) pending.set(record.decision_id, record);
  const result: ReplayResult = {
    pending: [],
    outcomes: 0,
    settledWithDefault: 0,
    settledDropped: 0,
    skipped: 0,
    unlearned: 0,
    finished: [],
  };
  for (const event of events) {
    if (event.type === "decision") {
      if (pending.has(event.record.decision_id)) continue;
      if (finished?.(event.record.decision_id)) {
        result.skipped++;
        continue;
      }
      replayChoice(policy, event);
      pending.set(event.record.decision_id, event.record);
      tally?.decision(event.record);
      continue;
    }
    const record = pending.get(event.decision_id);
    if (record === undefined) {
      result.skipped++;
      continue;
    }
    pending.delete(event.decision_id);
    result.finished.push([
      event.decision_id,
      event.type === "outcome" ? FEEDBACK_RECEIVED : { kind: "settled", settledAt: event.at },
    ]);
    if (event.type === "outcome") {
      if (learnable(event.reward)) {
        learnFailedAttempts(policy, record, failedAttemptsOf(record, event), event.failed_reward as number);
        policy.update(outcomeUpdate(record, event));
      } else {
        result.unlearned++;
      }
      result.outcomes++;
      tally?.outcome(event.outcome);
      continue;
    }
    tally?.settled(event.reason);
    if (event.reward === null) {
      result.settledDropped++;
    } else {
      if (learnable(event.reward)) policy.update({ ...rewardUpdate(record, record.provider, event.reward), settled: true });
      else result.unlearned++;
      result.settledWithDefault++;
    }
  }
  result.pending = [...pending.values()];
  return result;
}

/**
 * Applies an event another replica recorded: its decision becomes pending here too (so its
 * feedback may arrive here), its outcome is learned here once. Settlements are not applied:
 * each replica settles its own copy of a pending decision when its wait runs out.
 * Returns false when the event was skipped (an outcome for a decision not pending here).
 */
export function applyRemoteEvent(policy: Policy, executor: Executor, event: EngineEvent): OutcomeEvent | boolean {
  if (event.type === "decision") {
    try {
      executor.restorePending(event.record);
    } catch {
      // Already pending or finished here (fetched early for its feedback, or settled): apply it once only.
      return false;
    }
    replayChoice(policy, event);
    return true;
  }
  if (event.type !== "outcome" || executor.getPending(event.decision_id) === undefined) return false;
  // From a replica without the reward bound: left pending here, to settle when its wait runs out.
  if (!learnable(event.reward)) return false;
  // Recorded once learned, as a local feedback is (see RoutingEngine.feedback). Accepted in time
  // by the other replica, so learned here until this copy is settled (the store's settleGraceMs).
  const prepared = executor.prepareOutcome(event.outcome, { afterWait: true });
  const { record } = prepared;
  learnFailedAttempts(policy, record, failedAttemptsOf(record, event), event.failed_reward as number);
  const { before, after } = policy.update(outcomeUpdate(record, event));
  executor.commitOutcome(prepared);
  return { ...event, before, after };
}
