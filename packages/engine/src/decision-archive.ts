import type { Partition } from "@aurora/auditor";
import type { Constraints, Context, Outcome, ViolationType } from "@aurora/domain";

export type CandidateStatus = "chosen" | "ranked_lower" | "violated_constraint" | "excluded";

export interface CandidateExplanation {
  provider_id: string;
  /** The policy's estimate at decision time; null when it was not asked (excluded, or no ranking kept). */
  estimate: number | null;
  violations: ViolationType[];
  status: CandidateStatus;
  /** Why it was or was not chosen, in words. */
  reason: string;
}

export interface DecisionView {
  decision_id: string;
  timestamp: string;
  state_key: string;
  request: { context: Context; constraints: Constraints | null };
  candidates: CandidateExplanation[];
  provider_id: string | null;
  mode: string;
  probability: number | null;
  epsilon: number;
  policy: string;
  model_version: number;
  /** Why no provider was chosen. */
  reason: string | null;
  outcome: (Outcome & { reward: number; fallback: boolean }) | null;
  settled: { reason: string; reward: number | null; at: string } | null;
}

/** What decide keeps per decision: references only, so the hot path builds no explanation. */
export interface ArchivedDecision {
  decision_id: string;
  at: number;
  state_key: string;
  context: Context;
  constraints: Constraints | undefined;
  partition: Partition;
  /** The list the policy chose from (compliant, or violating when nothing complied). */
  usedCompliant: boolean;
  chosenIndex: number;
  estimates: readonly number[] | null;
  provider_id: string | null;
  mode: string;
  probability: number | null;
  epsilon: number;
  policy: string;
  model_version: number;
  reason: string | null;
  outcome?: Outcome & { reward: number; fallback: boolean };
  settled?: { reason: string; reward: number | null; at: number };
}

/**
 * The last `capacity` decisions, for `getDecision(id)` and `explain`. Oldest are forgotten
 * first; explanations are built only when asked for.
 */
export class DecisionArchive {
  readonly #capacity: number;
  readonly #entries = new Map<string, ArchivedDecision>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  add(entry: ArchivedDecision): void {
    if (this.#capacity === 0) return;
    this.#entries.set(entry.decision_id, entry);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  attachOutcome(decisionId: string, outcome: Outcome, reward: number, providerId: string): void {
    const entry = this.#entries.get(decisionId);
    if (entry) entry.outcome = { ...outcome, provider_id: providerId, reward, fallback: providerId !== entry.provider_id };
  }

  attachSettlement(decisionId: string, reason: string, reward: number | null, at: number): void {
    const entry = this.#entries.get(decisionId);
    if (entry) entry.settled = { reason, reward, at };
  }

  get(decisionId: string): DecisionView | undefined {
    const entry = this.#entries.get(decisionId);
    return entry ? view(entry) : undefined;
  }
}

export function explainCandidates(entry: ArchivedDecision): CandidateExplanation[] {
  const { partition, usedCompliant, chosenIndex, estimates } = entry;
  const out: CandidateExplanation[] = [];
  const chosenList = usedCompliant ? partition.compliant : partition.violating.map((v) => v.provider);
  const chosenId = entry.provider_id;
  chosenList.forEach((provider, i) => {
    const violations = usedCompliant ? [] : partition.violating[i]!.violations;
    const estimate = estimates?.[i] ?? null;
    const chosen = i === chosenIndex && provider.provider_id === chosenId;
    out.push({
      provider_id: provider.provider_id,
      estimate,
      violations,
      status: chosen ? "chosen" : "ranked_lower",
      reason: chosen
        ? `chosen (${entry.mode})${violations.length > 0 ? "; nothing complied, so a violating provider was allowed" : ""}`
        : "compliant, but the policy preferred another provider",
    });
  });
  if (usedCompliant) {
    for (const { provider, violations } of partition.violating) {
      out.push({
        provider_id: provider.provider_id,
        estimate: null,
        violations,
        status: "violated_constraint",
        reason: `violates ${violations.join(", ")} while compliant providers exist`,
      });
    }
  }
  for (const { provider, rule } of partition.excluded) {
    out.push({
      provider_id: provider.provider_id,
      estimate: null,
      violations: [],
      status: "excluded",
      reason: rule === "denied" ? "excluded by constraints.deny" : "excluded: not in constraints.allow",
    });
  }
  return out;
}

function view(entry: ArchivedDecision): DecisionView {
  return {
    decision_id: entry.decision_id,
    timestamp: new Date(entry.at).toISOString(),
    state_key: entry.state_key,
    request: { context: entry.context, constraints: entry.constraints ?? null },
    candidates: explainCandidates(entry),
    provider_id: entry.provider_id,
    mode: entry.mode,
    probability: entry.probability,
    epsilon: entry.epsilon,
    policy: entry.policy,
    model_version: entry.model_version,
    reason: entry.reason,
    outcome: entry.outcome ?? null,
    settled: entry.settled
      ? { reason: entry.settled.reason, reward: entry.settled.reward, at: new Date(entry.settled.at).toISOString() }
      : null,
  };
}
