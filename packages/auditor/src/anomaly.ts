export const ANOMALY_KINDS = ["q_value_spike", "underperforming_provider"] as const;

export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/** A flag raised beside the audit trail; it never adds an audit entry. Frozen once raised. */
export interface Anomaly {
  /** ISO 8601, UTC, millisecond precision. */
  timestamp: string;
  kind: AnomalyKind;
  decision_id: string;
  state_key: string;
  provider_id: string;
  note: string;
  /** The measured quantity: |ΔQ| for a spike, the window's success rate for an underperformer. */
  value: number;
  /** The limit `value` crossed. */
  threshold: number;
}
