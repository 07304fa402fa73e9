/** What became of a decision that left the pending log. */
export type Finished = { readonly kind: "feedback" } | { readonly kind: "settled"; readonly settledAt: number };

export const FEEDBACK_RECEIVED: Finished = Object.freeze({ kind: "feedback" });

const FEEDBACK = 1;
const SETTLED = 2;
const MIN_SLOTS = 64;

/**
 * The bounded memory of finished decision ids, so that a duplicate or late outcome gets a precise
 * error. First in, first out: past `capacity` ids the oldest is forgotten (and then reads as unknown).
 *
 * It keeps a 64-bit fingerprint of each id in typed arrays, not the id: with a `Map` of id strings
 * every finished id outlived the young generation, and at 100,000 ids that memory was a tenth of a
 * decide+feedback pair's time and most of the garbage collector's. Slots form a ring in finishing
 * order; an open-addressing index (linear probing, at most half full) finds an id's slot. Two ids
 * share a fingerprint with probability about 2⁻⁶⁴ per pair (hashes seeded per instance, so ids
 * cannot be chosen to collide); the executor consults this memory only for ids that are not pending,
 * so a collision could at worst name the wrong refusal, never accept or learn an outcome.
 */
export class FinishedDecisions {
  readonly #capacity: number;
  readonly #seedA: number;
  readonly #seedB: number;
  /** Per slot: the fingerprint's two halves, and FEEDBACK or SETTLED (0: free). */
  #hashA = new Int32Array(0);
  #hashB = new Int32Array(0);
  #kind = new Uint8Array(0);
  #settledAt = new Float64Array(0);
  /** Slots in use; they fill in order, and once all `capacity` are, `#oldest` is overwritten next. */
  #used = 0;
  #oldest = 0;
  /** Open addressing: slot + 1 at a fingerprint's probe position, 0 where empty; never full. */
  #index = new Int32Array(16);
  #mask = 15;
  /** The second half of the fingerprint `#fingerprint` last computed. */
  #lastB = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
    const seeds = globalThis.crypto.getRandomValues(new Int32Array(2));
    this.#seedA = seeds[0] as number;
    this.#seedB = seeds[1] as number;
  }

  /** Remembers how a decision finished; an id already remembered keeps its place in the order. */
  remember(decisionId: string, finished: Finished): void {
    if (this.#capacity === 0) return;
    const a = this.#fingerprint(decisionId);
    const b = this.#lastB;
    let slot = this.#find(a, b);
    if (slot < 0) {
      if (this.#used < this.#capacity) {
        if (this.#used === this.#kind.length) this.#grow();
        slot = this.#used++;
      } else {
        slot = this.#oldest;
        this.#unindex(slot);
        this.#oldest = slot + 1 === this.#capacity ? 0 : slot + 1;
      }
      this.#hashA[slot] = a;
      this.#hashB[slot] = b;
      this.#insert(slot);
    }
    if (finished.kind === "settled") {
      this.#kind[slot] = SETTLED;
      this.#settledAt[slot] = finished.settledAt;
    } else {
      this.#kind[slot] = FEEDBACK;
    }
  }

  get(decisionId: string): Finished | undefined {
    if (this.#used === 0) return undefined;
    const slot = this.#find(this.#fingerprint(decisionId), this.#lastB);
    if (slot < 0) return undefined;
    return this.#kind[slot] === SETTLED ? { kind: "settled", settledAt: this.#settledAt[slot] as number } : FEEDBACK_RECEIVED;
  }

  has(decisionId: string): boolean {
    return this.#used > 0 && this.#find(this.#fingerprint(decisionId), this.#lastB) >= 0;
  }

  get size(): number {
    return this.#used;
  }

  /**
   * Two 32-bit hashes of the id's UTF-16 units (multiply–xor per unit, then murmur3's finaliser),
   * seeded per instance. Returns the first; the second is left in `#lastB` (no allocation).
   */
  #fingerprint(id: string): number {
    let a = this.#seedA ^ id.length;
    let b = this.#seedB;
    for (let i = 0; i < id.length; i++) {
      const unit = id.charCodeAt(i);
      a = Math.imul(a ^ unit, 0x01000193);
      b = Math.imul(b ^ unit, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a ^= a >>> 16;
    a = Math.imul(a, 0x85ebca6b);
    a ^= a >>> 13;
    a = Math.imul(a, 0xc2b2ae35);
    a ^= a >>> 16;
    b ^= b >>> 16;
    b = Math.imul(b, 0x7feb352d);
    b ^= b >>> 15;
    b = Math.imul(b, 0x846ca68b);
    b ^= b >>> 16;
    this.#lastB = b;
    return a;
  }

  /** The slot holding fingerprint (a, b), or −1. */
  #find(a: number, b: number): number {
    const index = this.#index;
    const mask = this.#mask;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const entry = index[i] as number;
      if (entry === 0) return -1;
      const slot = entry - 1;
      if (this.#hashA[slot] === a && this.#hashB[slot] === b) return slot;
    }
  }

  #insert(slot: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let i = (this.#hashA[slot] as number) & mask;
    while (index[i] !== 0) i = (i + 1) & mask;
    index[i] = slot + 1;
  }

  /** Removes a slot from the index by backward-shift deletion, so probe chains stay unbroken. */
  #unindex(slot: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let hole = (this.#hashA[slot] as number) & mask;
    while (index[hole] !== slot + 1) hole = (hole + 1) & mask;
    for (let i = (hole + 1) & mask; index[i] !== 0; i = (i + 1) & mask) {
      const home = (this.#hashA[(index[i] as number) - 1] as number) & mask;
      // The entry at i may fill the hole unless its home lies cyclically within (hole, i].
      if ((i > hole && (home <= hole || home > i)) || (i < hole && home <= hole && home > i)) {
        index[hole] = index[i] as number;
        hole = i;
      }
    }
    index[hole] = 0;
  }

  /** Doubles the slots (never past `capacity`) and rebuilds the index for them. */
  #grow(): void {
    const slots = Math.min(this.#capacity, Math.max(MIN_SLOTS, this.#kind.length * 2));
    const hashA = new Int32Array(slots);
    hashA.set(this.#hashA);
    const hashB = new Int32Array(slots);
    hashB.set(this.#hashB);
    const kind = new Uint8Array(slots);
    kind.set(this.#kind);
    const settledAt = new Float64Array(slots);
    settledAt.set(this.#settledAt);
    this.#hashA = hashA;
    this.#hashB = hashB;
    this.#kind = kind;
    this.#settledAt = settledAt;
    let size = 16;
    while (size < 2 * slots) size *= 2;
    this.#index = new Int32Array(size);
    this.#mask = size - 1;
    for (let slot = 0; slot < this.#used; slot++) this.#insert(slot);
  }
}
