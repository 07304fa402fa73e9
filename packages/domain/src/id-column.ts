/** Bytes kept per slot: a UUID is 36. */
const WIDTH = 40;
/** In `#lengths`: the slot's id is kept as a string (longer than WIDTH, or not one byte a character). */
const AS_STRING = 255;

/**
 * A column of ids, one per slot, for the bounded logs that keep each decision for thousands of
 * decisions (the decision archive, the audit trail). An id of at most 40 one-byte characters — every
 * generated UUID — is kept as its bytes in a typed array, not as the string: a string held that long
 * is copied out of the young generation and promoted, and the ids were most of what those logs still
 * left to the garbage collector (~50 bytes a decision). Other ids are kept as strings. Reading a slot
 * back builds a new string, equal to the one stored.
 */
export class IdColumn {
  #bytes = new Uint8Array(0);
  #lengths = new Uint8Array(0);
  readonly #strings: (string | undefined)[] = [];

  /** Slots held; {@link grow} adds more. */
  get slots(): number {
    return this.#lengths.length;
  }

  /** Makes room for `slots` slots, keeping what is stored. */
  grow(slots: number): void {
    if (slots <= this.#lengths.length) return;
    const bytes = new Uint8Array(slots * WIDTH);
    bytes.set(this.#bytes);
    const lengths = new Uint8Array(slots);
    lengths.set(this.#lengths);
    this.#bytes = bytes;
    this.#lengths = lengths;
  }

  set(slot: number, id: string): void {
    const n = id.length;
    if (n <= WIDTH) {
      const bytes = this.#bytes;
      const at = slot * WIDTH;
      let i = 0;
      for (; i < n; i++) {
        const code = id.charCodeAt(i);
        if (code > 0xff) break;
        bytes[at + i] = code;
      }
      if (i === n) {
        this.#lengths[slot] = n;
        if (this.#strings[slot] !== undefined) this.#strings[slot] = undefined;
        return;
      }
    }
    this.#lengths[slot] = AS_STRING;
    this.#strings[slot] = id;
  }

  /** The id stored in `slot` (a new string for one kept as bytes). */
  get(slot: number): string {
    const n = this.#lengths[slot] as number;
    if (n === AS_STRING) return this.#strings[slot] as string;
    const at = slot * WIDTH;
    return String.fromCharCode.apply(null, this.#bytes.subarray(at, at + n) as unknown as number[]);
  }

  /** Whether `slot` holds `id`, compared without building a string. */
  equals(slot: number, id: string): boolean {
    const n = this.#lengths[slot] as number;
    if (n === AS_STRING) return this.#strings[slot] === id;
    if (id.length !== n) return false;
    const bytes = this.#bytes;
    const at = slot * WIDTH;
    for (let i = 0; i < n; i++) if (bytes[at + i] !== id.charCodeAt(i)) return false;
    return true;
  }
}
