/**
 * A first-in-first-out queue with amortised O(1) `shift`. It exists because a `Map` used as a
 * queue (delete the first key, read `keys().next()`) leaves deleted slots at the front that V8's
 * iterator must step over until the next rehash: measured at ~30,000 operations/s with 100,000 entries.
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  /** Index of the oldest item; slots before it are already shifted. */
  #head = 0;

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      // Compact once the shifted prefix is half the array, so each item is copied O(1) times.
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const out = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return out;
  }

  /** Keeps only the items for which `keep` holds, in their order. */
  retain(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i] as T;
      if (keep(item)) kept.push(item);
    }
    this.#items = kept;
    this.#head = 0;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }
}
