import type { Outcome, Provider } from "@aurora/domain";
import type { DecisionRecord } from "./decision-record.js";

/** What `Executor.recordOutcome` returns for accepted feedback. */
export interface OutcomeResult {
  reward: number;
  record: DecisionRecord;
  /** The provider the outcome is for: the chosen one, or the alternative named by `outcome.provider_id`. */
  provider: Provider;
}

/** An outcome `Executor.prepareOutcome` accepted, to record with `commitOutcome`; what `recordOutcome` returns. */
export interface PreparedOutcome extends OutcomeResult {
  /** The outcome as validated. */
  outcome: Outcome;
  /**
   * The providers `outcome.failed_before` names, in its order (each the chosen provider or one of
   * the record's alternatives), to learn as failed jobs; empty when it names none.
   */
  failed: Provider[];
  /** The reward each of `failed` is learned with: the failure reward. */
  failedReward: number;
}
