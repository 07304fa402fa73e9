import { JSON_PIECES, type JsonPieces } from "@aurora/domain";
import { flatCopy, StateIndex } from "./state-index.js";

const CHUNK_BITS = 10;
/** Rows per chunk: big enough that chunk bookkeeping is noise, small enough that growth never copies the table. */
const CHUNK_ROWS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_ROWS - 1;
const MIN_STRIDE = 8;
/** Rows the first chunk starts with: it doubles up to `CHUNK_ROWS`, so a table of few states and many providers stays small. */
const FIRST_CHUNK_ROWS = 8;

/**
 * The Q-table: state key → provider id → value, stored densely for speed and memory.
 *
 * Provider ids are interned once, for the whole table, to small integers (their column).
 * Each state is a row of `stride` float64 slots, `NaN` meaning "no value yet"; rows live in
 * chunks of 1,024 rows, so adding a state never copies the table (only the first chunk starts
 * smaller and doubles, so a few states of many providers take little). The stride grows (and the
 * rows are re-laid) only when a provider beyond the current width is first seen. Columns can be
 * given up (`forgetProviders`): their values are cleared and the next new providers take them.
 * States are found through a `StateIndex` (a lookup among a million states reads less memory than
 * a `Map`'s), providers through a `Map`; `__proto__` or `constructor` are ordinary keys in both.
 */
export class QTable {
  readonly #providerColumn = new Map<string, number>();
  readonly #providerIds: string[] = [];
  readonly #stateRow = new StateIndex();
  #stride = MIN_STRIDE;
  #chunks: Float64Array[] = [];
  /** Columns given up by `forgetProviders`, taken again by the next new providers. */
  readonly #freeColumns: number[] = [];

  get stateCount(): number {
    return this.#stateRow.size;
  }

  /** Columns assigned so far (a forgotten provider's column counts until it is taken again; its id reads ""). */
  get columnCount(): number {
    return this.#providerIds.length;
  }

  /** Providers that hold a column now. */
  get providerCount(): number {
    return this.#providerIds.length - this.#freeColumns.length;
  }

  /** Float64 slots allocated for values (rows × stride, spare rows included): the table's memory, ÷ 8. */
  get allocatedValues(): number {
    let total = 0;
    for (const chunk of this.#chunks) total += chunk.length;
    return total;
  }

  /** The column of a provider, assigned the first time it is seen (a forgotten provider's column first). */
  internProvider(providerId: string): number {
    let column = this.#providerColumn.get(providerId);
    if (column === undefined) {
      const free = this.#freeColumns.pop();
      if (free !== undefined) {
        column = free;
        this.#providerIds[column] = providerId;
      } else {
        column = this.#providerIds.length;
        this.#providerIds.push(providerId);
        if (column >= this.#stride) this.#widen(column + 1);
      }
      this.#providerColumn.set(providerId, column);
    }
    return column;
  }

  /**
   * Gives up the columns: their providers' values are cleared from every state (O(states × columns))
   * and the columns go to the next new providers. A forgotten provider seen again starts afresh.
   */
  forgetProviders(columns: readonly number[]): void {
    if (columns.length === 0) return;
    const stride = this.#stride;
    for (const column of columns) {
      const providerId = this.#providerIds[column];
      if (providerId === undefined || providerId === "") throw new RangeError(`column ${column} holds no provider`);
      this.#providerColumn.delete(providerId);
      this.#providerIds[column] = "";
      this.#freeColumns.push(column);
    }
    for (const chunk of this.#chunks) {
      for (let start = 0; start < chunk.length; start += stride) {
        for (const column of columns) chunk[start + column] = Number.NaN;
      }
    }
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
    return this.#stateRow.find(stateKey);
  }

  /** The key string the table keeps for `row`. */
  stateKey(row: number): string {
    return this.#stateRow.key(row);
  }

  /** The row of a state, created empty the first time. */
  ensureRow(stateKey: string): number {
    const states = this.#stateRow.size;
    const row = this.#stateRow.ensure(stateKey, flatCopy);
    if (row === states) {
      const within = row & CHUNK_MASK;
      if (within === 0) this.#chunks.push(new Float64Array((row === 0 ? FIRST_CHUNK_ROWS : CHUNK_ROWS) * this.#stride).fill(NaN));
      else if (row < CHUNK_ROWS && within * this.#stride === (this.#chunks[0] as Float64Array).length) this.#growFirstChunk();
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
  *states(): Generator<[string, number]> {
    const keys = this.#stateRow.keys();
    for (let row = 0; row < keys.length; row++) yield [keys[row] as string, row];
  }

  /**
   * The table as it is now, cheaply: its values are copied (one `slice` per chunk of 1,024 rows,
   * ~64 MB for 1,000,000 states of 8 providers) and its provider ids, its states only counted,
   * since rows are only ever added. Later updates, states and providers do not show in it.
   */
  snapshot(): QTableSnapshot {
    const states = this.#stateRow.size;
    const chunks = this.#chunks.slice(0, Math.ceil(states / CHUNK_ROWS)).map((chunk) => chunk.slice());
    return new QTableSnapshot(this.#stateRow.keys(), states, this.#providerIds.slice(), this.#stride, chunks);
  }

  /** The first chunk, full below `CHUNK_ROWS` rows, doubles (its rows keep their place). */
  #growFirstChunk(): void {
    const old = this.#chunks[0] as Float64Array;
    const grown = new Float64Array(Math.min(CHUNK_ROWS * this.#stride, old.length * 2)).fill(NaN);
    grown.set(old);
    this.#chunks[0] = grown;
  }

  #widen(needed: number): void {
    const oldStride = this.#stride;
    const stride = Math.max(needed, Math.ceil(oldStride * 1.5));
    this.#chunks = this.#chunks.map((old) => {
      const rows = old.length / oldStride;
      const chunk = new Float64Array(rows * stride).fill(NaN);
      for (let r = 0; r < rows; r++) chunk.set(old.subarray(r * oldStride, (r + 1) * oldStride), r * stride);
      return chunk;
    });
    this.#stride = stride;
  }
}

/** Rows of JSON per piece written by `QTableSnapshot` (a few hundred KB of text). */
const ROWS_PER_PIECE = 2_048;

/**
 * A point-in-time copy of a `QTable` (see `QTable.snapshot`), as JSON: `{ state: { provider: q } }`.
 * `toJSON` builds that object; `[JSON_PIECES]` writes the same JSON (providers in column order) a
 * few thousand states at a time, so a snapshot store can write a large table while decisions flow.
 */
export class QTableSnapshot implements JsonPieces {
  /** The table's keys in row order (its live list: rows past `#states` are not this copy's). */
  readonly #stateKeys: readonly string[];
  readonly #states: number;
  readonly #providerIds: readonly string[];
  readonly #stride: number;
  readonly #chunks: readonly Float64Array[];

  constructor(
    stateKeys: readonly string[],
    states: number,
    providerIds: readonly string[],
    stride: number,
    chunks: readonly Float64Array[],
  ) {
    this.#stateKeys = stateKeys;
    this.#states = states;
    this.#providerIds = providerIds;
    this.#stride = stride;
    this.#chunks = chunks;
  }

  get stateCount(): number {
    return this.#states;
  }

  toJSON(): Record<string, Record<string, number>> {
    const table: Record<string, Record<string, number>> = Object.create(null);
    this.#eachRow((stateKey, chunk, start) => {
      const values: Record<string, number> = Object.create(null);
      for (let column = 0; column < this.#providerIds.length; column++) {
        const q = chunk[start + column] as number;
        if (!Number.isNaN(q)) values[this.#providerIds[column] as string] = q;
      }
      table[stateKey] = values;
    });
    return table;
  }

  *[JSON_PIECES](): Generator<string> {
    const providerKeys = this.#providerIds.map((id) => JSON.stringify(id));
    const rows: string[] = [];
    let separator = "";
    yield "{";
    const flush = function* () {
      if (rows.length === 0) return;
      yield separator + rows.join(",");
      separator = ",";
      rows.length = 0;
    };
    // Rows are walked here rather than through #eachRow (a generator cannot yield from its callback)
    // or a row generator (a tuple and a resumption per state: ~0.6 s more for 1,000,000 states).
    for (let row = 0; row < this.#states; row++) {
      const stateKey = this.#stateKeys[row] as string;
      const chunk = this.#chunks[row >>> CHUNK_BITS] as Float64Array;
      const start = (row & CHUNK_MASK) * this.#stride;
      let entries = "";
      for (let column = 0; column < providerKeys.length; column++) {
        const q = chunk[start + column] as number;
        if (Number.isNaN(q)) continue;
        entries += `${entries.length > 0 ? "," : ""}${providerKeys[column]}:${Number.isFinite(q) ? q : "null"}`;
      }
      rows.push(`${JSON.stringify(stateKey)}:{${entries}}`);
      if (rows.length >= ROWS_PER_PIECE) yield* flush();
    }
    yield* flush();
    yield "}";
  }

  /** Calls `visit` for each state of the copy, in row order, with where its values start. */
  #eachRow(visit: (stateKey: string, chunk: Float64Array, start: number) => void): void {
    for (let row = 0; row < this.#states; row++) {
      visit(this.#stateKeys[row] as string, this.#chunks[row >>> CHUNK_BITS] as Float64Array, (row & CHUNK_MASK) * this.#stride);
    }
  }
}
