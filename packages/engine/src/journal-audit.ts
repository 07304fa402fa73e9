import type { AuditEntry } from "@aurora/auditor";
import type { AuditStatus } from "@aurora/domain";
import type { DecisionRecord } from "@aurora/executor";
import type { ChainedAuditRecord } from "./audit-chain.js";
import type { EngineEvent } from "./routing-engine.js";

/** The note on an audit entry written at a start from the journal's decision, not by `decide()`. */
export const RESTORED_NOTE = "restored at start from the journal: the audit trail lost this entry when the process stopped";

/** The violations a journaled decision's metadata lists (as `decide()` recorded them). */
export function violationsOf(record: DecisionRecord): unknown[] {
  const listed = (record.metadata as { violations?: unknown }).violations;
  return Array.isArray(listed) ? listed : [];
}

/**
 * The status `decide()` gave a decision that chose a provider: approved, or flagged when the
 * provider breaks a constraint (a strict engine never picks one that does, so never rejected).
 */
export function statusOf(violations: readonly unknown[]): AuditStatus {
  return violations.length === 0 ? "approved" : "flagged";
}

/** The audit entry `decide()` recorded for `record`, with a note saying where it came from. */
export function restoredEntry(record: DecisionRecord): AuditEntry {
  const violations = violationsOf(record);
  return {
    timestamp: new Date(record.created_at).toISOString(),
    decision_id: record.decision_id,
    state_key: record.state_key,
    provider_id: record.provider_id,
    status: statusOf(violations),
    violations: violations as AuditEntry["violations"],
    notes: [RESTORED_NOTE],
  };
}

/** The decision ids of the audit entries among `records`, those after `seq` only. */
export function entryIdsAfter(records: readonly ChainedAuditRecord[], seq: number, into: Set<string>): void {
  for (const chained of records) {
    const record = chained?.record as { kind?: unknown; entry?: { decision_id?: unknown } } | undefined;
    if (chained?.seq > seq && record?.kind === "entry" && typeof record.entry?.decision_id === "string")
      into.add(record.entry.decision_id);
  }
}

/** The journal's decisions, in order, that have no entry among `present`. */
export function decisionsWithoutEntry(events: Iterable<EngineEvent>, present: ReadonlySet<string>): DecisionRecord[] {
  const missing: DecisionRecord[] = [];
  for (const event of events) {
    if (event.type === "decision" && !present.has(event.record.decision_id)) missing.push(event.record);
  }
  return missing;
}
