/** The seed's executor status, same keys. Rates are in [0, 1]; averages are over all accepted outcomes, 0 when none. */
export interface ExecutorStats {
  total_decisions: number;
  total_outcomes: number;
  success_rate: number;
  avg_cost_usd: number;
  avg_latency_ms: number;
  pending_feedback: number;
}

/** `ExecutorStats` plus the counters of refused feedback and of decisions settled without feedback. */
export interface ExecutorDetailedStats extends ExecutorStats {
  /** Feedback refused with `LateFeedbackError`. */
  late_feedback: number;
  /** Feedback refused with `DuplicateFeedbackError`. */
  duplicate_feedback: number;
  /** Decisions settled because their reward wait passed. */
  settled_expired: number;
  /** Decisions settled because the pending log was full. */
  settled_evicted: number;
  /** Settled decisions dropped from the hand-out queue before anyone drained them (it holds at most `maxPending`). */
  settled_dropped: number;
}

/**
 * The executor's lasting counters, as a snapshot keeps them (`Executor.countersToJSON`), so that
 * `stats()` goes on counting across a restart. Pending decisions are restored on their own, and
 * the hand-out queue's drops (`settled_dropped`) are the running process's.
 */
export interface ExecutorCounters {
  total_decisions: number;
  /** Accepted outcomes: [outcomes, successes, Σ actual_cost_usd, Σ actual_latency_ms]. */
  outcomes: [count: number, successes: number, costUsd: number, latencyMs: number];
  late_feedback: number;
  duplicate_feedback: number;
  settled_expired: number;
  settled_evicted: number;
}
