import type { AuditStatus, ViolationType } from "@aurora/domain";

/** One decision's record in the audit trail. Entries are frozen once recorded. */
export interface AuditEntry {
  /** ISO 8601, UTC, millisecond precision. */
  timestamp: string;
  decision_id: string;
  state_key: string;
  /** `null` when no provider was viable. */
  provider_id: string | null;
  status: AuditStatus;
  violations: ViolationType[];
  notes: string[];
}
