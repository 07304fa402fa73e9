import { type Partition, partitionCandidates } from "@aurora/auditor";
import type { Constraints, Context, Provider } from "@aurora/domain";

function sameIds(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether two parsed constraints have the same values (`Object.is`; id lists element by element).
 * A key set to `undefined` counts as absent, as it does in JSON. Field by field, written out: a loop
 * over the field names read each through a keyed lookup and cost as much as the partition it saved.
 */
export function sameConstraints(a: Constraints | undefined, b: Constraints | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return (
    Object.is(a.max_price, b.max_price) &&
    Object.is(a.max_latency_ms, b.max_latency_ms) &&
    Object.is(a.min_reputation, b.min_reputation) &&
    a.region === b.region &&
    a.gpu_type === b.gpu_type &&
    Object.is(a.gpu_hours, b.gpu_hours) &&
    Object.is(a.max_cost_usd, b.max_cost_usd) &&
    sameIds(a.allow, b.allow) &&
    sameIds(a.deny, b.deny)
  );
}

function freezeConstraints(constraints: Constraints): Constraints {
  if (constraints.allow !== undefined) Object.freeze(constraints.allow);
  if (constraints.deny !== undefined) Object.freeze(constraints.deny);
  return Object.freeze(constraints);
}

function freezePartition(partition: Partition): Partition {
  for (const entry of partition.violating) {
    Object.freeze(entry.violations);
    Object.freeze(entry);
  }
  for (const entry of partition.excluded) Object.freeze(entry);
  Object.freeze(partition.compliant);
  Object.freeze(partition.violating);
  Object.freeze(partition.excluded);
  return Object.freeze(partition);
}

/**
 * The last partition of candidates into compliant, violating and excluded, reused while a router
 * sends the same candidate list (the very array `CandidateMemo` hands out for a list validated
 * before), equal constraints and the same job size. `partitionCandidates` is pure in exactly
 * these — the providers, every constraint field and `context.gpu_hours` — so the reused partition
 * is the one it would compute. It built five arrays and an object per violating candidate for
 * each decision (~900 bytes with 10 candidates, a fifth of what a decide+feedback pair
 * allocated). A reused partition is frozen, as are the candidate lists it is made of: it is
 * shared by every decision that used it. The constraints object the memo keeps is handed back too
 * (`constraints`), so that what the decision archive keeps per decision is shared as well.
 */
export class PartitionMemo {
  #providers: readonly Provider[] | undefined;
  #constraints: Constraints | undefined;
  #jobHours = Number.NaN;
  #partition: Partition | undefined;

  /**
   * The partition of `providers` under `constraints` for a job of `context.gpu_hours`: the
   * remembered one when all three are the same as last time (the same candidate array), else a
   * new one, which is then remembered when `providers` is frozen (a list `CandidateMemo` shares).
   */
  partition(providers: readonly Provider[], constraints: Constraints | undefined, context: Context): Partition {
    const jobHours = context.gpu_hours ?? 1;
    if (
      this.#partition !== undefined &&
      providers === this.#providers &&
      Object.is(jobHours, this.#jobHours) &&
      sameConstraints(constraints, this.#constraints)
    ) {
      return this.#partition;
    }
    const partition = partitionCandidates(providers, constraints, context);
    if (!Object.isFrozen(providers)) return partition;
    this.#providers = providers;
    this.#constraints = constraints === undefined ? undefined : freezeConstraints(constraints);
    this.#jobHours = jobHours;
    this.#partition = freezePartition(partition);
    return partition;
  }

  /**
   * The constraints to keep for a decision that just got `partition(…, constraints, …)`: the
   * remembered object equal to them (frozen), or `constraints` itself when nothing is remembered.
   */
  constraintsFor(constraints: Constraints | undefined, partition: Partition): Constraints | undefined {
    return partition === this.#partition ? this.#constraints : constraints;
  }
}
