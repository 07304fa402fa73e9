import type { LateFeedbackError, UnknownDecisionError } from "@aurora/domain";
import { AuroraError } from "@aurora/domain";
import type { DecisionView } from "@aurora/engine";

/**
 * The engine's refusals of a feedback, told in the sidecar's terms: its variable
 * (AURORA_REWARD_WAIT_MS, where the engine says `rewardWaitMs`, and nothing for `maxPending`,
 * which the sidecar leaves at the engine's default) and its route (POST /decide, where the engine
 * says `decide()`). The codes and fields are the engine's, so the error handler answers them as
 * it would the engine's own (404 `unknown_decision`, 410 `late_feedback` with `settled_at`).
 */

/** Feedback for a decision id the engine never gave out, or has forgotten (`UnknownDecisionError`). */
export class FeedbackForUnknownDecisionError extends AuroraError {
  readonly decisionId: string;

  constructor(decisionId: string, options?: { cause?: unknown }) {
    super(
      "UNKNOWN_DECISION",
      `decision_id "${decisionId}" is unknown: use the metadata.decision_id returned by POST /decide, ` +
        "and send feedback before the decision's reward wait (AURORA_REWARD_WAIT_MS) runs out",
      options,
    );
    this.decisionId = decisionId;
  }
}

const RAISE_THE_WAIT = "raise AURORA_REWARD_WAIT_MS if jobs run longer";

/**
 * Feedback after the decision's reward wait (`LateFeedbackError`). The decision's record, when
 * the engine still holds it, tells why it was settled: its wait passed (`expired`), the engine
 * held as many decisions waiting as it takes and it was the oldest (`evicted`), or, on replicas
 * sharing PostgreSQL, its wait ended and it is settled after their grace (not settled yet).
 * Without the record (forgotten, or made by another replica) both causes are named.
 */
export class LateFeedbackRefusedError extends AuroraError {
  readonly decisionId: string;
  /** When the decision was settled, or its wait ended (the engine's `settledAt`). */
  readonly settledAt: number;

  constructor(decisionId: string, settledAt: number, record: DecisionView | undefined, options?: { cause?: unknown }) {
    super("LATE_FEEDBACK", lateMessage(decisionId, new Date(settledAt).toISOString(), record), options);
    this.decisionId = decisionId;
    this.settledAt = settledAt;
  }
}

function lateMessage(decisionId: string, at: string, record: DecisionView | undefined): string {
  const id = `decision_id "${decisionId}"`;
  const notLearned = "this late outcome was not learned";
  if (record !== undefined && record.settled === null) {
    return `${id}: its reward wait (AURORA_REWARD_WAIT_MS) ended at ${at}, and it is settled once the grace replicas sharing PostgreSQL allow one another has passed; ${notLearned} (${RAISE_THE_WAIT})`;
  }
  switch (record?.settled?.reason) {
    case "expired":
      return `${id} was settled at ${at} because its reward wait (AURORA_REWARD_WAIT_MS) had passed; ${notLearned} (${RAISE_THE_WAIT})`;
    case "evicted":
      return (
        `${id} was settled at ${at}, before its reward wait (AURORA_REWARD_WAIT_MS) ended, because more decisions were waiting ` +
        `for feedback than the sidecar holds at once and it was the oldest; ${notLearned} (send feedback sooner, or shorten ` +
        "AURORA_REWARD_WAIT_MS so that fewer decisions wait at once)"
      );
    default:
      return (
        `${id} was settled at ${at} because its reward wait (AURORA_REWARD_WAIT_MS) had passed, or because more decisions were ` +
        `waiting for feedback than the sidecar holds at once and it was the oldest; ${notLearned} (${RAISE_THE_WAIT})`
      );
  }
}

/** `error` from `engine.feedback` in the sidecar's terms when it is an unknown or late decision; otherwise `error` itself. */
export function feedbackRefusal(error: unknown, recordOf: (decisionId: string) => DecisionView | undefined): unknown {
  switch ((error as { code?: unknown } | null)?.code) {
    case "UNKNOWN_DECISION": {
      const { decisionId } = error as UnknownDecisionError;
      return typeof decisionId === "string" ? new FeedbackForUnknownDecisionError(decisionId, { cause: error }) : error;
    }
    case "LATE_FEEDBACK": {
      const { decisionId, settledAt } = error as LateFeedbackError;
      if (typeof decisionId !== "string" || typeof settledAt !== "number") return error;
      return new LateFeedbackRefusedError(decisionId, settledAt, recordOf(decisionId), { cause: error });
    }
    default:
      return error;
  }
}
