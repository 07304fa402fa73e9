import { IdColumn } from "@aurora/domain";
import type { AuditEntry } from "./audit-entry.js";

/**
 * The newest `capacity` audit entries, with an index by decision id.
 *
 * Kept by columns, not as the entry objects: an entry lives for `capacity` decisions (10,000 by
 * default), long enough to be copied out of the young generation and promoted, so keeping the
 * objects made them, after the decision ids, most of what the garbage collector moved per
 * decision. A slot holds the decision id as bytes (`IdColumn`) and references to what exists
 * anyway (the state key, the provider id, the status and the timestamp text, the frozen violation
 * and note arrays, shared empty ones when there are none); an entry read back is a new frozen
 * object with the same fields.
 *
 * The index maps a decision id to the sequence number of its newest entry, and each slot
 * remembers the previous entry of the same decision, so a lookup walks only that decision's
 * entries. Keeping a `Map` in step on every append cost 100–250 ns (about as much as the rest of
 * `record`), so the index catches up when it is read instead: each entry is indexed at most once
 * (amortised O(1)), appends touch no `Map`, and a lookup costs O(entries since the last lookup +
 * entries returned). Ids whose entries left the ring are swept out by rebuilding the index whenever
 * it holds more than twice `capacity` ids, so memory stays bounded.
 */
export class AuditTrail {
  readonly capacity: number;
  /** Entries ever appended; also the sequence number of the next (slot: sequence % capacity). */
  #pushed = 0;
  readonly #timestamps: string[] = [];
  /** As bytes (IdColumn): held for `capacity` decisions, the id strings were promoted too. */
  readonly #decisionIds = new IdColumn();
  readonly #stateKeys: string[] = [];
  readonly #providerIds: (string | null)[] = [];
  readonly #statuses: AuditEntry["status"][] = [];
  readonly #violations: AuditEntry["violations"][] = [];
  readonly #notes: AuditEntry["notes"][] = [];
  #newestSeqByDecision = new Map<string, number>();
  /** Per slot: sequence number of the previous entry with the same decision id, or -1. */
  readonly #previousSeq: number[] = [];
  /** Entries with a lower sequence number are indexed (or gone). */
  #indexedUpTo = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a whole number ≥ 1, got ${String(capacity)}`);
    }
    this.capacity = capacity;
  }

  get size(): number {
    return Math.min(this.#pushed, this.capacity);
  }

  /** How many decision ids the index holds (at most twice the capacity). */
  get indexedDecisions(): number {
    return this.#newestSeqByDecision.size;
  }

  /** Keeps the entry's fields (its `violations` and `notes` arrays by reference: entries are frozen). */
  append(entry: AuditEntry): void {
    const slot = this.#pushed++ % this.capacity;
    const ids = this.#decisionIds;
    if (slot >= ids.slots) ids.grow(Math.min(this.capacity, Math.max(64, 2 * ids.slots)));
    this.#timestamps[slot] = entry.timestamp;
    ids.set(slot, entry.decision_id);
    this.#stateKeys[slot] = entry.state_key;
    this.#providerIds[slot] = entry.provider_id;
    this.#statuses[slot] = entry.status;
    this.#violations[slot] = entry.violations;
    this.#notes[slot] = entry.notes;
  }

  /** Up to `limit` entries, newest first. */
  newest(limit: number): AuditEntry[] {
    const out: AuditEntry[] = [];
    const stop = Math.max(this.#oldestSeq, this.#pushed - limit);
    for (let seq = this.#pushed - 1; seq >= stop; seq--) out.push(this.#entry(seq % this.capacity));
    return out;
  }

  /** Up to `limit` entries of one decision, newest first. */
  forDecision(decisionId: string, limit: number): AuditEntry[] {
    this.#catchUp();
    const out: AuditEntry[] = [];
    let seq = this.#newestSeqByDecision.get(decisionId) ?? -1;
    while (seq >= this.#oldestSeq && out.length < limit) {
      const slot = seq % this.capacity;
      out.push(this.#entry(slot));
      seq = this.#previousSeq[slot] as number;
    }
    return out;
  }

  get #oldestSeq(): number {
    return this.#pushed - this.size;
  }

  #entry(slot: number): AuditEntry {
    return Object.freeze({
      timestamp: this.#timestamps[slot] as string,
      decision_id: this.#decisionIds.get(slot),
      state_key: this.#stateKeys[slot] as string,
      provider_id: this.#providerIds[slot] as string | null,
      status: this.#statuses[slot] as AuditEntry["status"],
      violations: this.#violations[slot] as AuditEntry["violations"],
      notes: this.#notes[slot] as AuditEntry["notes"],
    });
  }

  #catchUp(): void {
    if (this.#newestSeqByDecision.size + (this.#pushed - this.#indexedUpTo) > 2 * this.capacity) {
      this.#newestSeqByDecision = new Map();
      this.#indexedUpTo = this.#oldestSeq;
    }
    for (let seq = Math.max(this.#indexedUpTo, this.#oldestSeq); seq < this.#pushed; seq++) {
      const slot = seq % this.capacity;
      const id = this.#decisionIds.get(slot);
      const previous = this.#newestSeqByDecision.get(id) ?? -1;
      while (this.#previousSeq.length <= slot) this.#previousSeq.push(-1);
      this.#previousSeq[slot] = previous;
      this.#newestSeqByDecision.set(id, seq);
    }
    this.#indexedUpTo = this.#pushed;
  }
}
