import type { Context, Provider } from "@aurora/domain";

/** One routing decision, as logged while it waits for feedback. Stored as given, never copied. */
export interface DecisionRecord {
  decision_id: string;
  state_key: string;
  provider_id: string;
  context: Context;
  /** The chosen provider as advertised at decision time. */
  provider: Provider;
  /** Other compliant providers the router may fall back to; feedback may name one of them. */
  alternatives?: Provider[];
  metadata: Record<string, unknown>;
  /** Clock milliseconds at which the decision was recorded. */
  created_at: number;
}

/** What `Executor.recordDecision` takes: a record without its timestamp, the id optional. */
export type DecisionInput = Omit<DecisionRecord, "decision_id" | "created_at"> & { decision_id?: string };
