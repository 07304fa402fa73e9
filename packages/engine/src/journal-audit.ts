import type { AuditEntry } from "@aurora/auditor";
import type { AuditStatus } from "@aurora/domain";
import type { DecisionRecord } from "@aurora/executor";
import type { ChainedAuditRecord } from "./audit-chain.js";

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

/**
 * What the audit trail on disk says of the decisions after a snapshot's cut: the decision ids of
 * its entries after the snapshot's audit head, when it reaches back to the head; else (retention
 * removed the segment that held it) the ids of every entry it kept.
 */
export type EntriesFound = { afterHead: ReadonlySet<string> } | { kept: ReadonlySet<string> };

/**
 * The journal's decisions after the cut (in order) whose audit entries the trail lost in a crash.
 * With the entries after the head, those without one. Without them, the decisions after the last
 * one that has an entry in the kept trail: the journal and the trail are written in one order, and
 * a crash loses the trail's newest records, which retention never removes. Undefined when no
 * decision has an entry there: the store cannot tell entries a crash lost from those retention removed.
 */
export function decisionsWithoutEntry<T extends { decision_id: string }>(
  decisions: readonly T[],
  found: EntriesFound,
): T[] | undefined {
  if ("afterHead" in found) return decisions.filter((record) => !found.afterHead.has(record.decision_id));
  for (let i = decisions.length - 1; i >= 0; i--) {
    if (found.kept.has((decisions[i] as T).decision_id)) return decisions.slice(i + 1);
  }
  return decisions.length === 0 ? [] : undefined;
}
