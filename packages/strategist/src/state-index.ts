import { seededStringHash } from "@aurora/domain";

/** Slots of a new index; the slots double whenever they would be more than half full. */
const MIN_CAPACITY = 16;
const EMPTY = -1;

const asGiven = (key: string) => key;

/**
 * A flat copy of `text`, to keep as a state's key (`ensure(key, flatCopy)`). A key built by
 * concatenation (as `stateKey()` builds one) is a V8 rope of several nodes, ~150 bytes for a
 * 28-character key; a flat copy takes ~50.
 */
export function flatCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

function randomSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0] as number;
}

/**
 * State key → row, rows numbered 0, 1, 2… in the order keys are added (they are never removed).
 *
 * It does what a `Map<string, number>` does, with fewer memory reads, which is what a lookup
 * among a million states costs: a `Map` reads its bucket, then each entry of the bucket's chain
 * and each entry's key string, before the value. Here the hash and the row sit side by side in
 * one typed array (open addressing, linear probing, at most half full), so a lookup reads its slot,
 * then the one key it has to compare. Building a fresh key string, finding it among 1,000,000
 * states and reading its row took ~0.75 µs, against ~1.35 µs with a `Map` (docs/benchmarks.md,
 * sixth round).
 *
 * The hash's basis is random per index, so which keys collide cannot be known in advance; keys
 * whose hashes are equal are told apart by comparing the keys themselves.
 */
export class StateIndex {
  /** Per slot: the key's hash, then its row (`EMPTY` for an empty slot). */
  #slots: Int32Array;
  #mask: number;
  readonly #keys: string[] = [];
  readonly #seed: number;

  constructor(seed: number = randomSeed()) {
    this.#seed = seed;
    this.#slots = new Int32Array(2 * MIN_CAPACITY).fill(EMPTY);
    this.#mask = MIN_CAPACITY - 1;
  }

  get size(): number {
    return this.#keys.length;
  }

  /** The row of `key`, or −1 when it has none. */
  find(key: string): number {
    const hash = seededStringHash(this.#seed, key);
    const slots = this.#slots;
    const mask = this.#mask;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const row = slots[2 * slot + 1] as number;
      if (row === EMPTY) return -1;
      if (slots[2 * slot] === hash && this.#keys[row] === key) return row;
    }
  }

  /** The row of `key`, added as the next row the first time; `keep` gives the string to keep for a new key. */
  ensure(key: string, keep: (key: string) => string = asGiven): number {
    const hash = seededStringHash(this.#seed, key);
    let slots = this.#slots;
    let mask = this.#mask;
    let slot = hash & mask;
    for (; ; slot = (slot + 1) & mask) {
      const row = slots[2 * slot + 1] as number;
      if (row === EMPTY) break;
      if (slots[2 * slot] === hash && this.#keys[row] === key) return row;
    }
    const row = this.#keys.length;
    if (2 * (row + 1) > mask + 1) {
      this.#grow();
      slots = this.#slots;
      mask = this.#mask;
      for (slot = hash & mask; slots[2 * slot + 1] !== EMPTY; slot = (slot + 1) & mask);
    }
    slots[2 * slot] = hash;
    slots[2 * slot + 1] = row;
    this.#keys.push(keep(key));
    return row;
  }

  /** The key of `row` (a row below `size`). */
  key(row: number): string {
    return this.#keys[row] as string;
  }

  /** The keys in row order. Rows are only ever added, so the first n stay what they are. */
  keys(): readonly string[] {
    return this.#keys;
  }

  /** Doubles the slots and places every row again by its stored hash (no key is hashed twice). */
  #grow(): void {
    const old = this.#slots;
    const capacity = 2 * (this.#mask + 1);
    const slots = new Int32Array(2 * capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (let i = 0; i < old.length; i += 2) {
      const row = old[i + 1] as number;
      if (row === EMPTY) continue;
      const hash = old[i] as number;
      let slot = hash & mask;
      while (slots[2 * slot + 1] !== EMPTY) slot = (slot + 1) & mask;
      slots[2 * slot] = hash;
      slots[2 * slot + 1] = row;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
