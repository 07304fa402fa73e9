/**
 * The newest `capacity` items pushed, addressed by sequence number (0 for the first item ever
 * pushed, 1 for the next, …). Memory is bounded by `capacity`; storage grows only as items arrive.
 */
export class RingBuffer<T> {
  readonly capacity: number;
  readonly #items: T[] = [];
  #pushed = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a whole number ≥ 1, got ${String(capacity)}`);
    }
    this.capacity = capacity;
  }

  /** How many items were ever pushed; also the sequence number the next item gets. */
  get pushed(): number {
    return this.#pushed;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Sequence number of the oldest item still held. */
  get oldestSeq(): number {
    return this.#pushed - this.#items.length;
  }

  /** Adds `item` and returns the item it evicted, if the buffer was full. */
  push(item: T): T | undefined {
    const seq = this.#pushed++;
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return undefined;
    }
    const slot = seq % this.capacity;
    const evicted = this.#items[slot];
    this.#items[slot] = item;
    return evicted;
  }

  /** The item with sequence number `seq`, or `undefined` once it was evicted (or never pushed). */
  at(seq: number): T | undefined {
    if (seq < this.oldestSeq || seq >= this.#pushed) return undefined;
    return this.#items[seq % this.capacity];
  }

  /** Up to `limit` items, newest first. */
  newest(limit: number): T[] {
    const out: T[] = [];
    const stop = Math.max(this.oldestSeq, this.#pushed - limit);
    for (let seq = this.#pushed - 1; seq >= stop; seq--) out.push(this.#items[seq % this.capacity] as T);
    return out;
  }
}
