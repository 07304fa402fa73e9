const CHUNK_BITS = 10;
/** Rows per chunk: big enough that chunk bookkeeping is noise, small enough that growth never copies the table. */
const CHUNK_ROWS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ROWS - 1;
const MIN_STRIDE = 8;

/**
 * A key built by concatenation (as `stateKey()` builds one) is a V8 rope of several nodes,
 * ~150 bytes for a 28-character key; the table keeps a flat copy instead, ~50 bytes.
 */
function flatCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * The Q-table: state key → provider id → value, stored densely for speed and memory.
 *
 * Provider ids are interned once, for the whole table, to small integers (their column).
 * Each state is a row of `stride` float64 slots, `NaN` meaning "no value yet"; rows live in
 * fixed-size chunks, so adding a state never copies the table. The stride grows (and the
 * rows are re-laid) only when a provider beyond the current width is first seen.
 * Both maps are `Map`s, so `__proto__` or `constructor` are ordinary keys.
 */
export class QTable {
  readonly #providerColumn = new Map<string, number>();
  readonly #providerIds: string[] = [];
  readonly #stateRow = new Map<string, number>();
  #stride = MIN_STRIDE;
  #chunks: Float64Array[] = [];

  get stateCount(): number {
    return this.#stateRow.size;
  }

  get providerCount(): number {
    return this.#providerIds.length;
  }

  /** The column of a provider, assigned the first time it is seen. */
  internProvider(providerId: string): number {
    let column = this.#providerColumn.get(providerId);
    if (column === undefined) {
      column = this.#providerIds.length;
      this.#providerColumn.set(providerId, column);
      this.#providerIds.push(providerId);
      if (column >= this.#stride) this.#widen(column + 1);
    }
    return column;
  }

  /** The column of a provider, or −1 when it was never seen. */
  findProvider(providerId: string): number {
    return this.#providerColumn.get(providerId) ?? -1;
  }

  providerId(column: number): string {
    return this.#providerIds[column] as string;
  }

  /** The row of a state, or −1 when it has none. */
  findRow(stateKey: string): number {
    return this.#stateRow.get(stateKey) ?? -1;
  }

  /** The row of a state, created empty the first time. */
  ensureRow(stateKey: string): number {
    let row = this.#stateRow.get(stateKey);
    if (row === undefined) {
      row = this.#stateRow.size;
      if ((row & CHUNK_MASK) === 0) this.#chunks.push(new Float64Array(CHUNK_ROWS * this.#stride).fill(NaN));
      this.#stateRow.set(flatCopy(stateKey), row);
    }
    return row;
  }

  /** The value at (row, column); `NaN` when that provider has none in this state. */
  get(row: number, column: number): number {
    return (this.#chunks[row >>> CHUNK_BITS] as Float64Array)[(row & CHUNK_MASK) * this.#stride + column] as number;
  }

  set(row: number, column: number, value: number): void {
    (this.#chunks[row >>> CHUNK_BITS] as Float64Array)[(row & CHUNK_MASK) * this.#stride + column] = value;
  }

  /** The highest value the row holds; −∞ for a row with none. */
  rowMax(row: number): number {
    const chunk = this.#chunks[row >>> CHUNK_BITS] as Float64Array;
    const start = (row & CHUNK_MASK) * this.#stride;
    const end = start + this.#providerIds.length;
    let max = -Infinity;
    for (let i = start; i < end; i++) {
      const value = chunk[i] as number;
      if (value > max) max = value;
    }
    return max;
  }

  /** Every state with its row, in insertion order (states added while iterating are visited too). */
  states(): MapIterator<[string, number]> {
    return this.#stateRow.entries();
  }

  #widen(needed: number): void {
    const oldStride = this.#stride;
    const stride = Math.max(needed, Math.ceil(oldStride * 1.5));
    this.#chunks = this.#chunks.map((old) => {
      const chunk = new Float64Array(CHUNK_ROWS * stride).fill(NaN);
      for (let r = 0; r < CHUNK_ROWS; r++) chunk.set(old.subarray(r * oldStride, (r + 1) * oldStride), r * stride);
      return chunk;
    });
    this.#stride = stride;
  }
}
