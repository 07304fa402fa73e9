import type { AuditEntry } from "./audit-entry.js";
import { RingBuffer } from "./ring-buffer.js";

/**
 * The newest `capacity` audit entries, with an index by decision id.
 *
 * The index maps a decision id to the sequence number of its newest entry, and each ring slot
 * remembers the previous entry of the same decision, so a lookup walks only that decision's
 * entries. Keeping a `Map` in step on every append cost 100–250 ns (about as much as the rest of
 * `record`), so the index catches up when it is read instead: each entry is indexed at most once
 * (amortised O(1)), appends touch no `Map`, and a lookup costs O(entries since the last lookup +
 * entries returned). Ids whose entries left the ring are swept out by rebuilding the index whenever
 * it holds more than twice `capacity` ids, so memory stays bounded.
 */
export class AuditTrail {
  readonly #ring: RingBuffer<AuditEntry>;
  #newestSeqByDecision = new Map<string, number>();
  /** Per ring slot: sequence number of the previous entry with the same decision id, or -1. */
  readonly #previousSeq: number[] = [];
  /** Entries with a lower sequence number are indexed (or gone). */
  #indexedUpTo = 0;

  constructor(capacity: number) {
    this.#ring = new RingBuffer(capacity);
  }

  get size(): number {
    return this.#ring.size;
  }

  /** How many decision ids the index holds (at most twice the capacity). */
  get indexedDecisions(): number {
    return this.#newestSeqByDecision.size;
  }

  append(entry: AuditEntry): void {
    this.#ring.push(entry);
  }

  /** Up to `limit` entries, newest first. */
  newest(limit: number): AuditEntry[] {
    return this.#ring.newest(limit);
  }

  /** Up to `limit` entries of one decision, newest first. */
  forDecision(decisionId: string, limit: number): AuditEntry[] {
    this.#catchUp();
    const ring = this.#ring;
    const out: AuditEntry[] = [];
    let seq = this.#newestSeqByDecision.get(decisionId) ?? -1;
    while (seq >= ring.oldestSeq && out.length < limit) {
      out.push(ring.at(seq) as AuditEntry);
      seq = this.#previousSeq[seq % ring.capacity] as number;
    }
    return out;
  }

  #catchUp(): void {
    const ring = this.#ring;
    if (this.#newestSeqByDecision.size + (ring.pushed - this.#indexedUpTo) > 2 * ring.capacity) {
      this.#newestSeqByDecision = new Map();
      this.#indexedUpTo = ring.oldestSeq;
    }
    for (let seq = Math.max(this.#indexedUpTo, ring.oldestSeq); seq < ring.pushed; seq++) {
      const id = (ring.at(seq) as AuditEntry).decision_id;
      const slot = seq % ring.capacity;
      const previous = this.#newestSeqByDecision.get(id) ?? -1;
      while (this.#previousSeq.length <= slot) this.#previousSeq.push(-1);
      this.#previousSeq[slot] = previous;
      this.#newestSeqByDecision.set(id, seq);
    }
    this.#indexedUpTo = ring.pushed;
  }
}
