import type { DecisionRecord } from "./decision-record.js";

/**
 * Why a decision left the pending log without feedback:
 * `expired` — its reward wait passed; `evicted` — the pending log was full and it was the oldest.
 */
export type SettledReason = "expired" | "evicted";

/** A decision settled without feedback; the caller may learn a default reward from it or drop it. */
export interface SettledDecision {
  record: DecisionRecord;
  reason: SettledReason;
  /** Clock milliseconds at which it was settled. */
  settled_at: number;
}
