import { int32LittleEndian, stringFingerprint, ValidationError } from "@aurora/domain";

const DISTINCT_STATES_FORMAT = "aurora-distinct-states/1";
const MIN_SLOTS = 16;

/** `DistinctStates` as JSON: the seeds, then each state's fingerprint halves as base64 of little-endian 32-bit values. */
export interface DistinctStatesJson {
  format: typeof DISTINCT_STATES_FORMAT;
  seeds: [number, number];
  count: number;
  hash_a: string;
  hash_b: string;
}

/**
 * The distinct state keys a policy has met, counted without keeping them: a 64-bit fingerprint
 * of each key (`stringFingerprint`, seeded per instance, so keys cannot be chosen to collide), in
 * the order first met, and an open-addressing index over them (linear probing, at most half
 * full), as the executor keeps finished decision ids. 16–32 bytes a state, where a `Set` of the
 * keys took ~75 (the keys' strings included); a snapshot holds 8 bytes a state in base64 instead
 * of every key, and a restored set writes the same snapshot. Two keys share a fingerprint with
 * probability about 2⁻⁶⁴ a pair (~3·10⁻⁸ that any two of a million do); the count would then be
 * one short.
 */
export class DistinctStates {
  readonly #seedA: number;
  readonly #seedB: number;
  /** Each state's fingerprint halves, in the order first met. */
  #hashA = new Int32Array(MIN_SLOTS);
  #hashB = new Int32Array(MIN_SLOTS);
  #size = 0;
  /** Open addressing: row + 1 at a fingerprint's probe position, 0 where empty; never more than half full. */
  #index = new Int32Array(2 * MIN_SLOTS);
  #mask = 2 * MIN_SLOTS - 1;
  readonly #halves = new Int32Array(2);
  /** The key `add` met last: a decision and its feedback name the same state, and it is not hashed twice. */
  #last: string | undefined;

  /** `seeds`: those of a set being restored (see `fromJSON`); random otherwise. */
  constructor(seeds?: readonly [number, number]) {
    const [seedA, seedB] = seeds ?? globalThis.crypto.getRandomValues(new Int32Array(2));
    this.#seedA = seedA as number;
    this.#seedB = seedB as number;
  }

  get size(): number {
    return this.#size;
  }

  /** Counts `key` unless it was met before. */
  add(key: string): void {
    if (key === this.#last) return;
    this.#last = key;
    const halves = this.#halves;
    stringFingerprint(this.#seedA, this.#seedB, key, halves);
    this.#addFingerprint(halves[0] as number, halves[1] as number);
  }

  toJSON(): DistinctStatesJson {
    return {
      format: DISTINCT_STATES_FORMAT,
      seeds: [this.#seedA, this.#seedB],
      count: this.#size,
      hash_a: int32LittleEndian(this.#hashA, 0, this.#size).toString("base64"),
      hash_b: int32LittleEndian(this.#hashB, 0, this.#size).toString("base64"),
    };
  }

  /** A set restored from `toJSON`'s output; a broken field is named under `field`. */
  static fromJSON(json: unknown, field: string): DistinctStates {
    const value = json as Partial<DistinctStatesJson> | null;
    const bad = (part: string, what: string) => ValidationError.forField(`${field}${part}`, what);
    if (typeof value !== "object" || value === null || value.format !== DISTINCT_STATES_FORMAT) {
      throw bad(".format", `must be "${DISTINCT_STATES_FORMAT}"`);
    }
    const { seeds, count } = value;
    if (!Array.isArray(seeds) || seeds.length !== 2 || !seeds.every((seed) => Number.isInteger(seed) && (seed | 0) === seed)) {
      throw bad(".seeds", "must be two 32-bit integers");
    }
    if (!Number.isSafeInteger(count) || (count as number) < 0) throw bad(".count", "must be a whole number ≥ 0");
    const n = count as number;
    const column = (name: "hash_a" | "hash_b") => {
      const text = value[name];
      const bytes = typeof text === "string" ? Buffer.from(text, "base64") : undefined;
      if (bytes === undefined || bytes.length !== 4 * n) throw bad(`.${name}`, `must be base64 of ${n} values of 4 bytes`);
      return bytes;
    };
    const hashA = column("hash_a");
    const hashB = column("hash_b");
    const states = new DistinctStates(seeds as [number, number]);
    for (let i = 0; i < n; i++) states.#addFingerprint(hashA.readInt32LE(4 * i), hashB.readInt32LE(4 * i));
    if (states.size !== n) throw bad(".hash_a", `repeats a fingerprint: ${n - states.size} of ${n} are not distinct`);
    return states;
  }

  #addFingerprint(a: number, b: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let i = a & mask;
    for (; ; i = (i + 1) & mask) {
      const entry = index[i] as number;
      if (entry === 0) break;
      if (this.#hashA[entry - 1] === a && this.#hashB[entry - 1] === b) return;
    }
    const row = this.#size++;
    if (row === this.#hashA.length) {
      this.#hashA = grown(this.#hashA);
      this.#hashB = grown(this.#hashB);
    }
    this.#hashA[row] = a;
    this.#hashB[row] = b;
    if (2 * this.#size > index.length) this.#reindex();
    else index[i] = row + 1;
  }

  /** Doubles the index and places every row again. */
  #reindex(): void {
    const index = new Int32Array(2 * this.#index.length);
    const mask = index.length - 1;
    const hashA = this.#hashA;
    for (let row = 0; row < this.#size; row++) {
      let i = (hashA[row] as number) & mask;
      while (index[i] !== 0) i = (i + 1) & mask;
      index[i] = row + 1;
    }
    this.#index = index;
    this.#mask = mask;
  }
}

function grown(values: Int32Array): Int32Array<ArrayBuffer> {
  const copy = new Int32Array(2 * values.length);
  copy.set(values);
  return copy;
}
