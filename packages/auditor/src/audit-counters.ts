import type { AuditStatus, ViolationType } from "@aurora/domain";
import { ValidationError, VIOLATION_TYPES } from "@aurora/domain";
import type { AnomalyKind } from "./anomaly.js";
import { ANOMALY_KINDS } from "./anomaly.js";

export interface AuditorStats {
  /** Entries ever recorded (not only those still held in memory). */
  total_entries: number;
  /** Shares of `total_entries`, each in [0, 1]; 0 when there are no entries. */
  approval_rate: number;
  rejection_rate: number;
  flagged_rate: number;
  /** Most frequent first (ties in `VIOLATION_TYPES` order); zero counts left out. */
  common_violations: { type: ViolationType; count: number }[];
  /** Anomalies ever raised, by kind. */
  anomalies: Record<AnomalyKind, number>;
}

/**
 * The auditor's counters, as a snapshot keeps them (`Auditor.countersToJSON`): entries by status,
 * violations by type and anomalies by kind, every count ever recorded. Types and kinds never
 * counted may be left out.
 */
export interface AuditCountersJson {
  approved: number;
  flagged: number;
  rejected: number;
  violations: Partial<Record<ViolationType, number>>;
  anomalies: Partial<Record<AnomalyKind, number>>;
}

/** Position of each violation type in `VIOLATION_TYPES`; a null-prototype lookup. */
const VIOLATION_INDEX: Record<string, number> = Object.create(null);
VIOLATION_TYPES.forEach((type, i) => {
  VIOLATION_INDEX[type] = i;
});

/** The index of `type` in `VIOLATION_TYPES`, or -1 when it is no violation type. */
export function violationIndexOf(type: unknown): number {
  return typeof type === "string" ? (VIOLATION_INDEX[type] ?? -1) : -1;
}

/** Running counts over every entry and anomaly ever recorded: O(1) memory however long it runs. */
export class AuditCounters {
  #approved = 0;
  #flagged = 0;
  #rejected = 0;
  readonly #violations: number[] = VIOLATION_TYPES.map(() => 0);
  readonly #anomalies: number[] = ANOMALY_KINDS.map(() => 0);

  /** Counts one entry; every type in `violations` must be a `VIOLATION_TYPES` member. */
  countEntry(status: AuditStatus, violations: readonly ViolationType[]): void {
    if (status === "approved") this.#approved++;
    else if (status === "flagged") this.#flagged++;
    else this.#rejected++;
    for (let i = 0; i < violations.length; i++) {
      (this.#violations[VIOLATION_INDEX[violations[i] as string] as number] as number)++;
    }
  }

  countAnomaly(kind: AnomalyKind): void {
    (this.#anomalies[ANOMALY_KINDS.indexOf(kind)] as number)++;
  }

  toJSON(): AuditCountersJson {
    const byName = (names: readonly string[], counts: readonly number[]) =>
      Object.fromEntries(names.map((name, i) => [name, counts[i] as number]).filter(([, n]) => (n as number) > 0));
    return {
      approved: this.#approved,
      flagged: this.#flagged,
      rejected: this.#rejected,
      violations: byName(VIOLATION_TYPES, this.#violations),
      anomalies: byName(ANOMALY_KINDS, this.#anomalies),
    };
  }

  /** Replaces the counts with what `toJSON` wrote; a `ValidationError` names the part of `field` that is not such counts. */
  restore(json: unknown, field: string): void {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw ValidationError.forField(field, "must be the auditor's counters, as countersToJSON() wrote them");
    }
    const c = json as Record<string, unknown>;
    for (const name of ["approved", "flagged", "rejected"]) {
      if (!isCount(c[name])) throw ValidationError.forField(`${field}.${name}`, "must be a whole number ≥ 0");
    }
    const violations = countsByName(c.violations, VIOLATION_TYPES, `${field}.violations`, "violation type");
    const anomalies = countsByName(c.anomalies, ANOMALY_KINDS, `${field}.anomalies`, "anomaly kind");
    this.#approved = c.approved as number;
    this.#flagged = c.flagged as number;
    this.#rejected = c.rejected as number;
    violations.forEach((n, i) => {
      this.#violations[i] = n;
    });
    anomalies.forEach((n, i) => {
      this.#anomalies[i] = n;
    });
  }

  stats(): AuditorStats {
    const total = this.#approved + this.#flagged + this.#rejected;
    const share = (n: number) => (total === 0 ? 0 : n / total);
    const common_violations = VIOLATION_TYPES.map((type, i) => ({ type, count: this.#violations[i] as number }))
      .filter((v) => v.count > 0)
      .sort((a, b) => b.count - a.count); // stable: ties keep VIOLATION_TYPES order
    const anomalies = Object.fromEntries(ANOMALY_KINDS.map((kind, i) => [kind, this.#anomalies[i] as number]));
    return {
      total_entries: total,
      approval_rate: share(this.#approved),
      rejection_rate: share(this.#rejected),
      flagged_rate: share(this.#flagged),
      common_violations,
      anomalies: anomalies as Record<AnomalyKind, number>,
    };
  }
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** `{ name: count }` over `names` (absent names count 0) as counts in `names` order; throws naming the bad entry. */
function countsByName(value: unknown, names: readonly string[], field: string, what: string): number[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw ValidationError.forField(field, `must be an object of ${what} → count`);
  }
  const counts = names.map(() => 0);
  for (const [name, count] of Object.entries(value)) {
    const i = names.indexOf(name);
    if (i < 0) throw ValidationError.forField(`${field}.${name}`, `is no ${what} (${names.join(", ")})`);
    if (!isCount(count)) throw ValidationError.forField(`${field}.${name}`, "must be a whole number ≥ 0");
    counts[i] = count as number;
  }
  return counts;
}
