import type { ExclusionRule, Partition } from "@aurora/auditor";
import type { Constraints, Context, Outcome, ViolationType } from "@aurora/domain";
import { IdColumn, seededStringHash, VIOLATION_TYPES } from "@aurora/domain";

export type CandidateStatus = "chosen" | "ranked_lower" | "violated_constraint" | "excluded";

export interface CandidateExplanation {
  provider_id: string;
  /** The policy's estimate at decision time; null when it was not asked (excluded, or no ranking kept). */
  estimate: number | null;
  violations: ViolationType[];
  status: CandidateStatus;
  /** Why it was or was not chosen, in words. */
  reason: string;
  /**
   * The chance the policy would pick it, for every candidate, summing to 1 (0 for those it did not
   * choose among). Only in `decide`'s answer to `explain: true`, and only from a policy that states
   * its probabilities exactly (`Policy.probabilities`; not `thompson`, `lin-thompson`, nor a composite over one).
   */
  probability?: number;
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

/** What decide hands the archive per decision: references only, so the hot path builds no explanation. */
export interface ArchivedDecision {
  decision_id: string;
  at: number;
  /** `stateKey(context)`: the archive keeps the key and `gpu_hours`, and rebuilds the context from them. */
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
}

/**
 * What an explanation needs of a partition: ids and violations, not the providers' records. The
 * archive keeps this instead of the partition, which held every parsed candidate (with its
 * `gpu_types` and `regions` arrays): ~5 KB per decision with 10 providers, 50 MB at the default
 * 10,000 records, and ~300 KB per decision with 1,000 providers.
 */
interface CandidateSummary {
  /** Ids in partition order: the compliant, then the violating, then the excluded. */
  ids: string[];
  compliant: number;
  /** The violations of each violating candidate, in order (the partition's own arrays). */
  violations: readonly ViolationType[][];
  /** The rule of each excluded candidate, in order. */
  rules: readonly ExclusionRule[];
}

const NONE: never[] = [];

function candidateIds(partition: Partition): string[] {
  const { compliant, violating, excluded } = partition;
  const ids = new Array<string>(compliant.length + violating.length + excluded.length);
  let at = 0;
  for (let i = 0; i < compliant.length; i++) ids[at++] = (compliant[i] as Partition["compliant"][number]).provider_id;
  for (let i = 0; i < violating.length; i++) ids[at++] = (violating[i] as Partition["violating"][number]).provider.provider_id;
  for (let i = 0; i < excluded.length; i++) ids[at++] = (excluded[i] as Partition["excluded"][number]).provider.provider_id;
  return ids;
}

function summarize(partition: Partition): CandidateSummary {
  return {
    ids: candidateIds(partition),
    compliant: partition.compliant.length,
    violations: partition.violating.length === 0 ? NONE : partition.violating.map((v) => v.violations),
    rules: partition.excluded.length === 0 ? NONE : partition.excluded.map((e) => e.rule),
  };
}

/**
 * A partition as the archive keeps it, in one array: the candidate ids (compliant, violating,
 * excluded), then each violating candidate's violations as a bit mask (bit i: VIOLATION_TYPES[i]),
 * then each excluded candidate's rule. One object per decision instead of up to 2 + 2 per violator.
 */
type CandidateRow = (string | number)[];

function rowOf(partition: Partition): CandidateRow {
  const { compliant, violating, excluded } = partition;
  // Sized once: growing by push would leave a larger backing store (and a discarded one).
  const row: CandidateRow = new Array(compliant.length + 2 * (violating.length + excluded.length));
  let at = 0;
  for (let i = 0; i < compliant.length; i++) row[at++] = (compliant[i] as Partition["compliant"][number]).provider_id;
  for (let i = 0; i < violating.length; i++) row[at++] = (violating[i] as Partition["violating"][number]).provider.provider_id;
  for (let i = 0; i < excluded.length; i++) row[at++] = (excluded[i] as Partition["excluded"][number]).provider.provider_id;
  for (let i = 0; i < violating.length; i++) {
    const violations = (violating[i] as Partition["violating"][number]).violations;
    let mask = 0;
    for (let v = 0; v < violations.length; v++) mask |= 1 << VIOLATION_TYPES.indexOf(violations[v] as ViolationType);
    row[at++] = mask;
  }
  for (let i = 0; i < excluded.length; i++) row[at++] = (excluded[i] as Partition["excluded"][number]).rule;
  return row;
}

/** Whether `row` is what `rowOf(partition)` would build, compared without building it. */
function isRowOf(row: CandidateRow, partition: Partition): boolean {
  const { compliant, violating, excluded } = partition;
  if (row.length !== compliant.length + 2 * (violating.length + excluded.length)) return false;
  let at = 0;
  for (let i = 0; i < compliant.length; i++)
    if (row[at++] !== (compliant[i] as Partition["compliant"][number]).provider_id) return false;
  for (let i = 0; i < violating.length; i++)
    if (row[at++] !== (violating[i] as Partition["violating"][number]).provider.provider_id) return false;
  for (let i = 0; i < excluded.length; i++)
    if (row[at++] !== (excluded[i] as Partition["excluded"][number]).provider.provider_id) return false;
  for (let i = 0; i < violating.length; i++) {
    const violations = (violating[i] as Partition["violating"][number]).violations;
    let mask = 0;
    for (let v = 0; v < violations.length; v++) mask |= 1 << VIOLATION_TYPES.indexOf(violations[v] as ViolationType);
    if (row[at++] !== mask) return false;
  }
  for (let i = 0; i < excluded.length; i++) if (row[at++] !== (excluded[i] as Partition["excluded"][number]).rule) return false;
  return true;
}

/** The summary a row stands for; the row holds compliant + 2 × (violating + excluded) items. */
function summaryOf(row: CandidateRow, compliant: number, violating: number): CandidateSummary {
  const excluded = (row.length - compliant - 2 * violating) / 2;
  const count = compliant + violating + excluded;
  const violations: ViolationType[][] = [];
  for (let i = 0; i < violating; i++) {
    const mask = row[count + i] as number;
    violations.push(VIOLATION_TYPES.filter((_, bit) => (mask & (1 << bit)) !== 0) as ViolationType[]);
  }
  return { ids: row.slice(0, count) as string[], compliant, violations, rules: row.slice(count + violating) as ExclusionRule[] };
}

/** The settlement of a decision that got no feedback in time. */
interface Settlement {
  reason: string;
  reward: number | null;
  at: number;
}

/** Doubles per chunk of the estimate store: 64 KB. */
const CHUNK_VALUES = 8192;

/**
 * Each slot's estimates, copied into shared chunks of doubles rather than kept as the policy's
 * array (one object per decision, ~130 bytes with 10 candidates, that outlived the young
 * generation). Slots are replaced oldest first, so chunks empty in the order they filled; an empty
 * chunk is reused. Memory: the live estimates plus at most two chunks.
 */
class EstimateStore {
  readonly #chunks: Float64Array[] = [];
  /** Per chunk: how many slots keep estimates in it. */
  readonly #liveSlots: number[] = [];
  readonly #free: number[] = [];
  #current = -1;
  #fill = 0;
  /** Per slot: chunk (−1: null estimates), offset in it, and count. */
  #chunkOf = new Int32Array(0);
  #offset = new Int32Array(0);
  #length = new Int32Array(0);

  grow(slots: number): void {
    const chunkOf = new Int32Array(slots).fill(-1);
    chunkOf.set(this.#chunkOf);
    this.#chunkOf = chunkOf;
    this.#offset = grown(this.#offset, slots);
    this.#length = grown(this.#length, slots);
  }

  /** Stores `estimates` for `slot`, releasing what the slot held before. */
  put(slot: number, estimates: readonly number[] | null): void {
    const previous = this.#chunkOf[slot] as number;
    if (previous >= 0) {
      const live = (this.#liveSlots[previous] as number) - 1;
      this.#liveSlots[previous] = live;
      if (live === 0 && previous !== this.#current) this.#free.push(previous);
    }
    if (estimates === null) {
      this.#chunkOf[slot] = -1;
      return;
    }
    const n = estimates.length;
    if (this.#current < 0 || this.#fill + n > (this.#chunks[this.#current] as Float64Array).length) this.#startChunk(n);
    const chunk = this.#chunks[this.#current] as Float64Array;
    const offset = this.#fill;
    for (let i = 0; i < n; i++) chunk[offset + i] = estimates[i] as number;
    this.#fill += n;
    this.#liveSlots[this.#current] = (this.#liveSlots[this.#current] as number) + 1;
    this.#chunkOf[slot] = this.#current;
    this.#offset[slot] = offset;
    this.#length[slot] = n;
  }

  get(slot: number): number[] | null {
    const chunk = this.#chunkOf[slot] as number;
    if (chunk < 0) return null;
    const offset = this.#offset[slot] as number;
    return Array.from((this.#chunks[chunk] as Float64Array).subarray(offset, offset + (this.#length[slot] as number)));
  }

  #startChunk(needed: number): void {
    const previous = this.#current;
    if (previous >= 0 && this.#liveSlots[previous] === 0) this.#free.push(previous);
    const reusable = this.#free.findIndex((c) => (this.#chunks[c] as Float64Array).length >= needed);
    if (reusable >= 0) {
      this.#current = this.#free.splice(reusable, 1)[0] as number;
    } else {
      this.#current = this.#chunks.length;
      this.#chunks.push(new Float64Array(Math.max(CHUNK_VALUES, needed)));
      this.#liveSlots.push(0);
    }
    this.#fill = 0;
  }
}

/** A column of numbers, grown with the slots. */
function grown<T extends Float64Array | Int32Array | Uint8Array>(column: T, slots: number): T {
  const next = new (column.constructor as new (length: number) => T)(slots);
  next.set(column);
  return next;
}

/**
 * The last `capacity` decisions, for `getDecision(id)` and `explain`. Oldest are forgotten
 * first; explanations are built only when asked for.
 *
 * Kept by columns, not as an object per decision: what a decision retains is mostly what the
 * garbage collector pays for (each retained object is copied out of the young generation and
 * marked in the old), and an object per record, its boxed numbers, a candidate summary and a
 * context made the archive cost ~40% of a decide+feedback pair at 10,000 records. A slot holds
 * numbers in typed arrays and references to what exists anyway (ids, state key, estimates,
 * constraints); per decision it adds at most one array, the candidate row.
 */
export class DecisionArchive {
  readonly #capacity: number;
  /** Slots in use; they fill in order, and once all `capacity` are, `#next` (the oldest) is overwritten. */
  #used = 0;
  #next = 0;
  /** The ids as bytes (IdColumn): as strings they were most of what the archive left the collector. */
  readonly #decisionIds = new IdColumn();
  readonly #stateKeys: string[] = [];
  readonly #constraints: (Constraints | undefined)[] = [];
  readonly #candidates: CandidateRow[] = [];
  /**
   * The last row stored. A router sends much the same candidates again and again, so a decision
   * whose row is the same shares that array (rows are never changed): with 1,000 candidates a row
   * is 9 KB, and one per decision made the records most of the heap.
   */
  #lastRow: CandidateRow | undefined;
  /** The frozen partition `#lastRow` was last made of or matched: the same object needs no comparison. */
  #lastPartition: Partition | undefined;
  readonly #estimates = new EstimateStore();
  readonly #providerIds: (string | null)[] = [];
  readonly #modes: string[] = [];
  readonly #policies: string[] = [];
  readonly #reasons: (string | null)[] = [];
  /** The outcome, by fields: a parsed outcome object per decision was worth keeping apart no more. */
  readonly #outcomeProviderIds: (string | undefined)[] = [];
  readonly #errorReasons: (string | undefined)[] = [];
  /** The outcome's `failed_before`, when it named any (a router that failed over). */
  readonly #failedBefore: (readonly string[] | undefined)[] = [];
  readonly #settlements: (Settlement | undefined)[] = [];
  #at = new Float64Array(0);
  #gpuHours = new Float64Array(0);
  #compliant = new Int32Array(0);
  #violating = new Int32Array(0);
  #chosenIndex = new Int32Array(0);
  #usedCompliant = new Uint8Array(0);
  /** NaN for a null probability. */
  #probability = new Float64Array(0);
  #epsilon = new Float64Array(0);
  #modelVersion = new Float64Array(0);
  #rewards = new Float64Array(0);
  /** 0: no outcome yet; 1: failure; 2: success. */
  #success = new Uint8Array(0);
  #costUsd = new Float64Array(0);
  #latencyMs = new Float64Array(0);
  /** NaN when the outcome gave none. */
  #reputation = new Float64Array(0);
  /**
   * An index by decision id that is not a `Map`: each slot's id hash, and an open-addressing table
   * (linear probing, at most half full) of slot + 1. A `Map` from id to entry, kept in step with
   * the ring, cost ~0.4 µs per decision, mostly in the garbage collector (old table, young keys).
   */
  #hashes = new Int32Array(0);
  #index = new Int32Array(16);
  #mask = 15;
  readonly #seed = globalThis.crypto.getRandomValues(new Int32Array(1))[0] as number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#used;
  }

  add(decision: ArchivedDecision): void {
    if (this.#capacity === 0) return;
    const id = decision.decision_id;
    const hash = this.#hash(id);
    let slot: number;
    if (this.#used < this.#capacity) {
      slot = this.#used++;
      // Growing rebuilds the index from the kept slots, so a repeated id is looked for after it.
      if (slot === this.#at.length) this.#grow();
      const same = this.#find(hash, id);
      if (same >= 0) this.#unindex(same); // ids are unique; should one repeat, the newest wins
    } else {
      const same = this.#find(hash, id);
      if (same >= 0) this.#unindex(same);
      slot = this.#next;
      if (slot !== same) this.#unindex(slot);
      this.#next = slot + 1 === this.#capacity ? 0 : slot + 1;
    }
    const { partition } = decision;
    this.#decisionIds.set(slot, id);
    this.#stateKeys[slot] = decision.state_key;
    this.#constraints[slot] = decision.constraints;
    this.#candidates[slot] = this.#rowFor(partition);
    this.#estimates.put(slot, decision.estimates);
    this.#providerIds[slot] = decision.provider_id;
    this.#modes[slot] = decision.mode;
    this.#policies[slot] = decision.policy;
    this.#reasons[slot] = decision.reason;
    this.#success[slot] = 0;
    this.#outcomeProviderIds[slot] = undefined;
    this.#errorReasons[slot] = undefined;
    this.#failedBefore[slot] = undefined;
    this.#settlements[slot] = undefined;
    this.#at[slot] = decision.at;
    this.#gpuHours[slot] = decision.context.gpu_hours;
    this.#compliant[slot] = partition.compliant.length;
    this.#violating[slot] = partition.violating.length;
    this.#chosenIndex[slot] = decision.chosenIndex;
    this.#usedCompliant[slot] = decision.usedCompliant ? 1 : 0;
    this.#probability[slot] = decision.probability ?? Number.NaN;
    this.#epsilon[slot] = decision.epsilon;
    this.#modelVersion[slot] = decision.model_version;
    this.#hashes[slot] = hash;
    this.#insert(slot);
  }

  attachOutcome(decisionId: string, outcome: Outcome, reward: number, providerId: string): void {
    const slot = this.#slotOf(decisionId);
    if (slot < 0) return;
    this.#success[slot] = outcome.success ? 2 : 1;
    this.#costUsd[slot] = outcome.actual_cost_usd;
    this.#latencyMs[slot] = outcome.actual_latency_ms;
    this.#reputation[slot] = outcome.actual_reputation ?? Number.NaN;
    this.#errorReasons[slot] = outcome.error_reason;
    this.#failedBefore[slot] = outcome.failed_before?.length ? outcome.failed_before : undefined;
    this.#rewards[slot] = reward;
    this.#outcomeProviderIds[slot] = providerId;
  }

  attachSettlement(decisionId: string, reason: string, reward: number | null, at: number): void {
    const slot = this.#slotOf(decisionId);
    if (slot >= 0) this.#settlements[slot] = { reason, reward, at };
  }

  get(decisionId: string): DecisionView | undefined {
    const slot = this.#slotOf(decisionId);
    return slot < 0 ? undefined : this.#view(slot);
  }

  #view(slot: number): DecisionView {
    const stateKey = this.#stateKeys[slot] as string;
    const [workload_type, gpu_type, region] = stateKey.split(":") as [string, string, string];
    const providerId = this.#providerIds[slot] as string | null;
    const probability = this.#probability[slot] as number;
    const outcomeProviderId = this.#outcomeProviderIds[slot] as string;
    const settled = this.#settlements[slot];
    const mode = this.#modes[slot] as string;
    return {
      decision_id: this.#decisionIds.get(slot),
      timestamp: new Date(this.#at[slot] as number).toISOString(),
      state_key: stateKey,
      request: {
        context: { workload_type, gpu_type, region, gpu_hours: this.#gpuHours[slot] as number },
        constraints: this.#constraints[slot] ?? null,
      },
      candidates: explain(
        {
          usedCompliant: this.#usedCompliant[slot] === 1,
          chosenIndex: this.#chosenIndex[slot] as number,
          estimates: this.#estimates.get(slot),
          provider_id: providerId,
          mode,
        },
        summaryOf(this.#candidates[slot] as CandidateRow, this.#compliant[slot] as number, this.#violating[slot] as number),
      ),
      provider_id: providerId,
      mode,
      probability: Number.isNaN(probability) ? null : probability,
      epsilon: this.#epsilon[slot] as number,
      policy: this.#policies[slot] as string,
      model_version: this.#modelVersion[slot] as number,
      reason: this.#reasons[slot] as string | null,
      outcome: this.#success[slot] === 0 ? null : this.#outcomeOf(slot, outcomeProviderId, providerId),
      settled: settled ? { reason: settled.reason, reward: settled.reward, at: new Date(settled.at).toISOString() } : null,
    };
  }

  #rowFor(partition: Partition): CandidateRow {
    // The very partition the last row was made of (a frozen one, shared by decisions: PartitionMemo).
    if (partition === this.#lastPartition && this.#lastRow !== undefined) return this.#lastRow;
    this.#lastPartition = Object.isFrozen(partition) ? partition : undefined;
    if (this.#lastRow !== undefined && isRowOf(this.#lastRow, partition)) return this.#lastRow;
    this.#lastRow = rowOf(partition);
    return this.#lastRow;
  }

  #outcomeOf(slot: number, outcomeProviderId: string, providerId: string | null): DecisionView["outcome"] {
    const reputation = this.#reputation[slot] as number;
    const errorReason = this.#errorReasons[slot];
    const failedBefore = this.#failedBefore[slot];
    return {
      decision_id: this.#decisionIds.get(slot),
      success: this.#success[slot] === 2,
      actual_cost_usd: this.#costUsd[slot] as number,
      actual_latency_ms: this.#latencyMs[slot] as number,
      ...(Number.isNaN(reputation) ? {} : { actual_reputation: reputation }),
      ...(errorReason !== undefined ? { error_reason: errorReason } : {}),
      provider_id: outcomeProviderId,
      ...(failedBefore !== undefined ? { failed_before: [...failedBefore] } : {}),
      reward: this.#rewards[slot] as number,
      fallback: outcomeProviderId !== providerId,
    };
  }

  #slotOf(decisionId: string): number {
    if (typeof decisionId !== "string" || this.#used === 0) return -1;
    return this.#find(this.#hash(decisionId), decisionId);
  }

  #hash(id: string): number {
    return seededStringHash(this.#seed, id);
  }

  /** The slot of the decision with this id, or −1. */
  #find(hash: number, id: string): number {
    const index = this.#index;
    const mask = this.#mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = index[i] as number;
      if (entry === 0) return -1;
      const slot = entry - 1;
      if (this.#hashes[slot] === hash && this.#decisionIds.equals(slot, id)) return slot;
    }
  }

  #insert(slot: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let i = (this.#hashes[slot] as number) & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = slot + 1;
  }

  /** Removes a slot from the index by backward-shift deletion, so probe chains stay unbroken. */
  #unindex(slot: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let hole = (this.#hashes[slot] as number) & mask;
    while (index[hole] !== slot + 1) {
      if (index[hole] === 0) return; // not indexed (its id was repeated later)
      hole = (hole + 1) & mask;
    }
    for (let i = (hole + 1) & mask; index[i] !== 0; i = (i + 1) & mask) {
      const home = (this.#hashes[(index[i] as number) - 1] as number) & mask;
      // The entry at i may fill the hole unless its home lies cyclically within (hole, i].
      if ((i > hole && (home <= hole || home > i)) || (i < hole && home <= hole && home > i)) {
        index[hole] = index[i] as number;
        hole = i;
      }
    }
    index[hole] = 0;
  }

  /** Doubles the number columns (never past capacity) and rebuilds the index for them. */
  #grow(): void {
    const slots = Math.min(this.#capacity, Math.max(64, this.#at.length * 2));
    this.#at = grown(this.#at, slots);
    this.#gpuHours = grown(this.#gpuHours, slots);
    this.#compliant = grown(this.#compliant, slots);
    this.#violating = grown(this.#violating, slots);
    this.#success = grown(this.#success, slots);
    this.#costUsd = grown(this.#costUsd, slots);
    this.#latencyMs = grown(this.#latencyMs, slots);
    this.#reputation = grown(this.#reputation, slots);
    this.#chosenIndex = grown(this.#chosenIndex, slots);
    this.#usedCompliant = grown(this.#usedCompliant, slots);
    this.#probability = grown(this.#probability, slots);
    this.#epsilon = grown(this.#epsilon, slots);
    this.#modelVersion = grown(this.#modelVersion, slots);
    this.#rewards = grown(this.#rewards, slots);
    this.#hashes = grown(this.#hashes, slots);
    this.#decisionIds.grow(slots);
    this.#estimates.grow(slots);
    let size = 16;
    while (size < 2 * slots) size *= 2;
    this.#index = new Int32Array(size);
    this.#mask = size - 1;
    // Slots fill in order before the ring wraps; newest first, so that of two slots with one id
    // (should an id repeat) the newer is indexed. The slot being added is indexed by `add`.
    for (let slot = this.#used - 2; slot >= 0; slot--) {
      if (this.#find(this.#hashes[slot] as number, this.#decisionIds.get(slot)) < 0) this.#insert(slot);
    }
  }
}

/**
 * Every candidate of a decision and why it was or was not chosen; with `probabilities` (the
 * policy's, for the list it chose from, in its order) each also says how likely its pick was.
 */
export function explainCandidates(entry: ArchivedDecision, probabilities?: readonly number[]): CandidateExplanation[] {
  const out = explain(entry, summarize(entry.partition));
  if (probabilities !== undefined) {
    // `explain` lists the candidates the policy chose among first, in their order.
    for (let i = 0; i < out.length; i++) (out[i] as CandidateExplanation).probability = probabilities[i] ?? 0;
  }
  return out;
}

type ExplainedDecision = Pick<ArchivedDecision, "usedCompliant" | "chosenIndex" | "estimates" | "provider_id" | "mode">;

function explain(entry: ExplainedDecision, candidates: CandidateSummary): CandidateExplanation[] {
  const { usedCompliant, chosenIndex, estimates } = entry;
  const { ids, compliant, violations: violationsOf, rules } = candidates;
  const violating = violationsOf.length;
  const out: CandidateExplanation[] = [];
  const chosenId = entry.provider_id;
  const [from, to] = usedCompliant ? [0, compliant] : [compliant, compliant + violating];
  for (let at = from; at < to; at++) {
    const i = at - from;
    const providerId = ids[at] as string;
    const violations = usedCompliant ? [] : (violationsOf[i] as ViolationType[]);
    const estimate = estimates?.[i] ?? null;
    const chosen = i === chosenIndex && providerId === chosenId;
    out.push({
      provider_id: providerId,
      estimate,
      violations,
      status: chosen ? "chosen" : "ranked_lower",
      reason: chosen
        ? `chosen (${entry.mode})${violations.length > 0 ? "; nothing complied, so a violating provider was allowed" : ""}`
        : violations.length > 0
          ? `violates ${violations.join(", ")}; nothing complied, so the policy ranked the violating providers and preferred another`
          : "compliant, but the policy preferred another provider",
    });
  }
  if (usedCompliant) {
    for (let i = 0; i < violating; i++) {
      const violations = violationsOf[i] as ViolationType[];
      out.push({
        provider_id: ids[compliant + i] as string,
        estimate: null,
        violations,
        status: "violated_constraint",
        // No compliant provider yet none of these chosen: strict mode, which never picks a violating one.
        reason:
          compliant > 0
            ? `violates ${violations.join(", ")} while compliant providers exist`
            : `violates ${violations.join(", ")}, and strict mode never chooses a violating provider`,
      });
    }
  }
  for (let i = 0; i < rules.length; i++) {
    out.push({
      provider_id: ids[compliant + violating + i] as string,
      estimate: null,
      violations: [],
      status: "excluded",
      reason: rules[i] === "denied" ? "excluded by constraints.deny" : "excluded: not in constraints.allow",
    });
  }
  return out;
}
