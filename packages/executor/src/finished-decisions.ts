import { int32LittleEndian, stringFingerprint } from "@aurora/domain";

/** What became of a decision that left the pending log. */
export type Finished = { readonly kind: "feedback" } | { readonly kind: "settled"; readonly settledAt: number };

export const FEEDBACK_RECEIVED: Finished = Object.freeze({ kind: "feedback" });

const FEEDBACK = 1;
const SETTLED = 2;
const MIN_SLOTS = 64;
const FINISHED_FORMAT = "aurora-finished-ids/1";

/** `FinishedDecisions` as JSON (see `toJSON`). */
export interface FinishedDecisionsJson {
  format: typeof FINISHED_FORMAT;
  seeds: [number, number];
  count: number;
  hash_a: string;
  hash_b: string;
  kinds: string;
  settled_at: string;
}

/** `count` values of `array` from `start` on, wrapping at `count`, as little-endian bytes. */
function ringBytes(array: Int32Array, start: number, count: number): Buffer {
  const part = (from: number, to: number) => int32LittleEndian(array, from, to);
  return start === 0 ? part(0, count) : Buffer.concat([part(start, count), part(0, start)]);
}

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
  /** The halves of the fingerprint `#fingerprint` last computed. */
  readonly #halves = new Int32Array(2);

  /** `seeds`: the fingerprint seeds of a memory being restored (see `fromJSON`); random otherwise. */
  constructor(capacity: number, seeds?: readonly [number, number]) {
    this.#capacity = capacity;
    const [seedA, seedB] = seeds ?? globalThis.crypto.getRandomValues(new Int32Array(2));
    this.#seedA = seedA as number;
    this.#seedB = seedB as number;
  }

  /** Remembers how a decision finished; an id already remembered keeps its place in the order. */
  remember(decisionId: string, finished: Finished): void {
    if (this.#capacity === 0) return;
    const a = this.#fingerprint(decisionId);
    this.#rememberFingerprint(
      a,
      this.#halves[1] as number,
      finished.kind === "settled" ? SETTLED : FEEDBACK,
      finished.kind === "settled" ? finished.settledAt : 0,
    );
  }

  /**
   * The memory as JSON, oldest first: the seeds and, per id, its fingerprint and how it finished,
   * each column base64 of little-endian values, and the settlement times of the settled ids only
   * (9 bytes an id that had feedback, ~1.2 MB of text at the default 100,000). Restored by
   * `fromJSON`, so that a restarted engine still refuses a repeated feedback as a duplicate (or as
   * late), not as unknown.
   */
  toJSON(): FinishedDecisionsJson {
    const count = this.#used;
    const start = count < this.#capacity ? 0 : this.#oldest;
    const kinds = Buffer.alloc(count);
    let settled = 0;
    for (let i = 0; i < count; i++) {
      const kind = this.#kind[(start + i) % count] as number;
      kinds[i] = kind;
      if (kind === SETTLED) settled++;
    }
    const settledAt = Buffer.alloc(8 * settled);
    for (let i = 0, k = 0; i < count; i++) {
      if (kinds[i] === SETTLED) settledAt.writeDoubleLE(this.#settledAt[(start + i) % count] as number, 8 * k++);
    }
    return {
      format: FINISHED_FORMAT,
      seeds: [this.#seedA, this.#seedB],
      count,
      hash_a: ringBytes(this.#hashA, start, count).toString("base64"),
      hash_b: ringBytes(this.#hashB, start, count).toString("base64"),
      kinds: kinds.toString("base64"),
      settled_at: settledAt.toString("base64"),
    };
  }

  /** A memory of `capacity` ids restored from `toJSON`'s output; past `capacity` the oldest are dropped. */
  static fromJSON(json: unknown, capacity: number): FinishedDecisions {
    const value = json as Partial<FinishedDecisionsJson> | null;
    const bad = (what: string) => new TypeError(`finished decision ids: ${what}`);
    if (typeof value !== "object" || value === null || value.format !== FINISHED_FORMAT)
      throw bad(`expected format "${FINISHED_FORMAT}"`);
    const { seeds, count } = value;
    if (!Array.isArray(seeds) || seeds.length !== 2 || !seeds.every((seed) => Number.isInteger(seed) && (seed | 0) === seed))
      throw bad("seeds must be two 32-bit integers");
    if (!Number.isSafeInteger(count) || (count as number) < 0) throw bad("count must be a whole number");
    const n = count as number;
    const column = (name: "hash_a" | "hash_b" | "kinds" | "settled_at", length: (bytes: number) => boolean, what: string) => {
      const text = value[name];
      const bytes = typeof text === "string" ? Buffer.from(text, "base64") : undefined;
      if (bytes === undefined || !length(bytes.length)) throw bad(`${name} must hold ${what}`);
      return bytes;
    };
    const hashA = column("hash_a", (b) => b === 4 * n, `${n} values of 4 bytes`);
    const hashB = column("hash_b", (b) => b === 4 * n, `${n} values of 4 bytes`);
    const kinds = column("kinds", (b) => b === n, `${n} values of 1 byte`);
    let settled = 0;
    for (let i = 0; i < n; i++) {
      const kind = kinds[i] as number;
      if (kind !== FEEDBACK && kind !== SETTLED) throw bad(`id ${i} finished in an unknown way (${kind})`);
      if (kind === SETTLED) settled++;
    }
    const settledAt = column("settled_at", (b) => b === 8 * settled, `${settled} values of 8 bytes (one per settled id)`);
    const memory = new FinishedDecisions(capacity, seeds as [number, number]);
    for (let i = 0, k = 0; i < n; i++) {
      const kind = kinds[i] as number;
      const at = kind === SETTLED ? settledAt.readDoubleLE(8 * k++) : 0;
      if (!Number.isFinite(at)) throw bad(`settled_at of id ${i} is ${at}, not clock milliseconds`);
      if (capacity > 0 && i >= n - capacity)
        memory.#rememberFingerprint(hashA.readInt32LE(4 * i), hashB.readInt32LE(4 * i), kind, at);
    }
    return memory;
  }

  #rememberFingerprint(a: number, b: number, kind: number, settledAt: number): void {
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
    this.#kind[slot] = kind;
    if (kind === SETTLED) this.#settledAt[slot] = settledAt;
  }

  get(decisionId: string): Finished | undefined {
    if (this.#used === 0) return undefined;
    const slot = this.#find(this.#fingerprint(decisionId), this.#halves[1] as number);
    if (slot < 0) return undefined;
    return this.#kind[slot] === SETTLED ? { kind: "settled", settledAt: this.#settledAt[slot] as number } : FEEDBACK_RECEIVED;
  }

  has(decisionId: string): boolean {
    return this.#used > 0 && this.#find(this.#fingerprint(decisionId), this.#halves[1] as number) >= 0;
  }

  get size(): number {
    return this.#used;
  }

  /** The id's fingerprint (`stringFingerprint`, seeded per instance) into `#halves`; returns the first half. */
  #fingerprint(id: string): number {
    stringFingerprint(this.#seedA, this.#seedB, id, this.#halves);
    return this.#halves[0] as number;
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
