import type { Constraints } from "@aurora/domain";

/** Why a provider was removed by `constraints.allow` / `constraints.deny`: hard rules in every mode. */
export type ExclusionRule = "not_allowed" | "denied";

/**
 * Building a `Set` costs about as much as 20 string comparisons per id, so it pays only when the
 * list is long and there are many lookups (measured with 10 candidates and 10 ids: 1.1 µs vs 0.3 µs).
 */
const LINEAR_SCAN_MAX_IDS = 8;
const LINEAR_SCAN_MAX_LOOKUPS = 32;

/** Membership in an id list: a linear scan, or a `Set` for long lists with many lookups. Ids compare exactly. */
export class IdList {
  readonly #ids: readonly string[];
  readonly #set: Set<string> | undefined;

  constructor(ids: readonly string[], expectedLookups: number) {
    this.#ids = ids;
    this.#set = ids.length > LINEAR_SCAN_MAX_IDS && expectedLookups > LINEAR_SCAN_MAX_LOOKUPS ? new Set(ids) : undefined;
  }

  has(id: string): boolean {
    return this.#set !== undefined ? this.#set.has(id) : this.#ids.includes(id);
  }
}

/**
 * The rule that removes `providerId`, or `null` when it may be chosen. `deny` is checked first,
 * so a provider both outside `allow` and inside `deny` is `"denied"`. An empty `allow` list allows nothing.
 */
export function exclusionRuleOf(providerId: string, constraints: Constraints | undefined): ExclusionRule | null {
  if (constraints === undefined) return null;
  if (constraints.deny?.includes(providerId)) return "denied";
  if (constraints.allow !== undefined && !constraints.allow.includes(providerId)) return "not_allowed";
  return null;
}
