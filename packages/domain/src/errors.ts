/**
 * Every error Aurora throws on purpose is an `AuroraError`, with a stable `code`
 * that the sidecar maps to an HTTP status and callers can switch on.
 */
export class AuroraError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Feedback named a decision id that this engine never made (or has forgotten). */
export class UnknownDecisionError extends AuroraError {
  readonly decisionId: string;

  constructor(decisionId: string) {
    super(
      "UNKNOWN_DECISION",
      `decision_id "${decisionId}" is unknown: use the metadata.decision_id returned by decide(), ` +
        "and send feedback before the decision's wait runs out",
    );
    this.decisionId = decisionId;
  }
}

/** Feedback for a decision that already received feedback; the model is left unchanged. */
export class DuplicateFeedbackError extends AuroraError {
  readonly decisionId: string;

  constructor(decisionId: string) {
    super(
      "DUPLICATE_FEEDBACK",
      `decision_id "${decisionId}" already has feedback: each decision is learned from once, ` +
        "so this second outcome was ignored",
    );
    this.decisionId = decisionId;
  }
}

/**
 * Feedback that arrived after the decision's reward wait passed and the decision was
 * settled (learned with the default reward, or dropped unlearned). The model is unchanged.
 */
/** An ISO time for clock milliseconds, or the number itself where no `Date` holds it (a custom clock's). */
function instant(ms: number): string {
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString() : `clock time ${String(ms)}`;
}

export class LateFeedbackError extends AuroraError {
  readonly decisionId: string;
  /**
   * When the decision was settled; on a store shared by replicas (`settleGraceMs`), feedback is
   * late from the end of its wait, which this is while the grace runs (`waitEnded`), and the
   * settlement itself follows the grace: once settled, it is when that was.
   */
  readonly settledAt: number;

  /**
   * `waitEnded`: the decision's wait ended at `settledAt` and it is not settled yet (replicas
   * sharing a store keep it pending for their grace, `settleGraceMs`, then settle it).
   */
  constructor(decisionId: string, settledAt: number, waitEnded = false) {
    const at = instant(settledAt);
    super(
      "LATE_FEEDBACK",
      waitEnded
        ? `decision_id "${decisionId}": its reward wait ended at ${at}, and it is ` +
            "settled once the replicas' grace (settleGraceMs) has passed; this late outcome was not learned (raise " +
            "rewardWaitMs if jobs run longer)"
        : `decision_id "${decisionId}" was settled at ${at} because its reward wait ` +
            "passed, or because more than maxPending decisions were waiting and it was the oldest; this late outcome " +
            "was not learned (raise rewardWaitMs if jobs run longer, maxPending if more decisions wait at once)",
    );
    this.decisionId = decisionId;
    this.settledAt = settledAt;
  }
}
