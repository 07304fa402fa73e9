import { AuroraError } from "@aurora/domain";

/**
 * The feedback was learned in memory but the store could not make it durable (disk error,
 * database down), so it was not acknowledged. The store keeps trying to write it; a retry of
 * the same feedback is refused as a duplicate while this process runs.
 */
export class FeedbackNotDurableError extends AuroraError {
  readonly decisionId: string;

  constructor(decisionId: string, cause: unknown) {
    super(
      "FEEDBACK_NOT_DURABLE",
      `feedback for decision_id "${decisionId}" could not be made durable (${(cause as Error)?.message ?? String(cause)}): ` +
        "it is not acknowledged; check the store (status.store.last_error) and treat this outcome as possibly lost",
      { cause },
    );
    this.decisionId = decisionId;
  }
}

/**
 * Why a store did not acknowledge a feedback: a shared store's own verdict when it has one
 * (another replica already took feedback for this decision → `DuplicateFeedbackError`),
 * else `FeedbackNotDurableError`.
 */
export function storeRefusal(decisionId: string, error: unknown): Error {
  return error instanceof AuroraError ? error : new FeedbackNotDurableError(decisionId, error);
}

/**
 * A store took no snapshot on purpose, with every event it acknowledged already durable: a
 * PostgreSQL replica whose model missed events that retention removed must not become the
 * snapshot every restart starts from. `save()` rejects with it; `close()` says it in the log and
 * resolves, since nothing is lost.
 */
export class SnapshotDeclinedError extends AuroraError {
  constructor(reason: string) {
    super("SNAPSHOT_DECLINED", `no snapshot was taken: ${reason}`);
  }
}
