import type { DecisionRecord } from "./decision-record.js";
import { Fifo } from "./fifo.js";

/**
 * The decisions waiting for feedback: found by id in O(1), and walked from the oldest for expiry and
 * eviction in amortised O(1). A removed record stays in the order queue until it reaches the front or
 * the queue is compacted (when it holds more than twice the live records), so removal is O(1) too.
 */
/**
 * A key kept in the id map for good. V8 shrinks a `Map` that `delete` empties, allocating a new
 * table, so with one decision in flight every feedback built one; a symbol is never a decision id.
 */
const KEEP = Symbol("kept so the map never empties");

export class PendingLog {
  readonly #byId = new Map<string | typeof KEEP, DecisionRecord | undefined>([[KEEP, undefined]]);
  /** Records in insertion order, some of them already removed from `#byId`. */
  readonly #order = new Fifo<DecisionRecord>();

  add(record: DecisionRecord): void {
    this.#byId.set(record.decision_id, record);
    this.#order.push(record);
  }

  get(decisionId: string): DecisionRecord | undefined {
    return this.#byId.get(decisionId) as DecisionRecord | undefined;
  }

  has(decisionId: string): boolean {
    return this.#byId.has(decisionId);
  }

  remove(decisionId: string): void {
    this.#byId.delete(decisionId);
    if (this.#order.size > 2 * this.size + 64) this.#order.retain((record) => this.#isLive(record));
  }

  /** The oldest record still pending. */
  oldest(): DecisionRecord | undefined {
    for (let record = this.#order.peek(); record !== undefined; record = this.#order.peek()) {
      if (this.#isLive(record)) return record;
      this.#order.shift();
    }
    return undefined;
  }

  /** The pending records, oldest first: a live view. */
  *values(): IterableIterator<DecisionRecord> {
    for (const [key, record] of this.#byId) if (key !== KEEP) yield record as DecisionRecord;
  }

  get size(): number {
    return this.#byId.size - 1;
  }

  #isLive(record: DecisionRecord): boolean {
    return this.#byId.get(record.decision_id) === record;
  }
}
