import { AuroraError } from "@aurora/domain";

/**
 * Feedback for a decision that routed nothing: `POST /decide` answered `provider_id: null` (no
 * provider was viable) with a `metadata.decision_id` starting `none-`. The engine never waits for
 * an outcome of such a decision, and calls it unknown; its code stays the domain's
 * `UNKNOWN_DECISION` (404 `unknown_decision`, as the README documents for feedback the engine
 * cannot take), with a message that says why instead of "use the id decide returned".
 */
export class NoOutcomeToLearnError extends AuroraError {
  readonly decisionId: string;

  constructor(decisionId: string) {
    super(
      "UNKNOWN_DECISION",
      `decision_id "${decisionId}" is a decision that routed nothing (POST /decide answered provider_id null: no provider was viable), ` +
        "so there is no outcome to learn: send feedback only for decisions that named a provider",
    );
    this.decisionId = decisionId;
  }
}

/** Ids the engine gives decisions that routed nothing (`RoutingEngine`'s `none-<uuid>`). */
export const NO_DECISION_ID_PREFIX = "none-";
