/** The seed's six violation types, plus `cost_exceeded` for `max_cost_usd`. */
export const VIOLATION_TYPES = [
  "price_exceeded",
  "latency_exceeded",
  "reputation_too_low",
  "region_mismatch",
  "gpu_type_mismatch",
  "insufficient_capacity",
  "cost_exceeded",
] as const;

export type ViolationType = (typeof VIOLATION_TYPES)[number];

/** The status of an audit entry. */
export type AuditStatus = "approved" | "flagged" | "rejected";
