import { AuroraError } from "@aurora/domain";

/**
 * `GET /decisions/:id` for an id the engine holds no record of. Its code is the domain's
 * `UNKNOWN_DECISION`, so the error handler answers 404 `unknown_decision` with the id; the
 * message is about records rather than feedback.
 */
export class DecisionNotOnRecordError extends AuroraError {
  readonly decisionId: string;

  constructor(decisionId: string) {
    super(
      "UNKNOWN_DECISION",
      `no record of decision_id "${decisionId}": use the metadata.decision_id returned by POST /decide; ` +
        "the engine keeps its most recent decisions only (10,000 by default, oldest forgotten first), " +
        "in memory since it last started, and a decision made by another replica is on record there; " +
        `the audit trail keeps the decision's entry across restarts: GET /audit?decision_id=${encodeURIComponent(decisionId)}`,
    );
    this.decisionId = decisionId;
  }
}
