import { JSON_PIECES } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QTable, type QTableSnapshot } from "./q-table.js";

/** The table as a plain object, read cell by cell: what a snapshot of it must hold. */
function contents(table: QTable): Record<string, Record<string, number>> {
  const plain: Record<string, Record<string, number>> = {};
  for (const [stateKey, row] of table.states()) {
    const values: Record<string, number> = {};
    for (let column = 0; column < table.columnCount; column++) {
      const q = table.get(row, column);
      if (!Number.isNaN(q)) values[table.providerId(column)] = q;
    }
    plain[stateKey] = values;
  }
  return plain;
}

const piecesOf = (snapshot: QTableSnapshot) => [...snapshot[JSON_PIECES]()].join("");

describe("QTable", () => {
  it("reads NaN where a provider has no value in a state yet", () => {
    const table = new QTable();
    const row = table.ensureRow("llm:a100:us-west");
    const column = table.internProvider("akash");
    expect(table.get(row, column)).toBeNaN();
    table.set(row, column, 1.5);
    expect(table.get(row, column)).toBe(1.5);
  });

  it("interns each provider id once, for the whole table", () => {
    const table = new QTable();
    expect(table.internProvider("akash")).toBe(0);
    expect(table.internProvider("ionet")).toBe(1);
    expect(table.internProvider("akash")).toBe(0);
    expect(table.findProvider("vast")).toBe(-1);
    expect(table.providerCount).toBe(2);
    expect(table.providerId(1)).toBe("ionet");
  });

  it("gives each state one row and finds it again", () => {
    const table = new QTable();
    const a = table.ensureRow("a:b:c");
    const b = table.ensureRow("d:e:f");
    expect(table.ensureRow("a:b:c")).toBe(a);
    expect(b).not.toBe(a);
    expect(table.findRow("x:y:z")).toBe(-1);
    expect(table.stateCount).toBe(2);
  });

  it("allocates rows as states come: a few states of many providers take a few rows, not a chunk of 1,024", () => {
    const table = new QTable();
    const row = table.ensureRow("llm:a100:us-west");
    for (let i = 0; i < 7_000; i++) table.set(row, table.internProvider(`p${i}`), i);
    // 8 rows of ≥ 7,000 slots: ~0.5 MB, where a first chunk of 1,024 rows took ~57 MB.
    expect(table.allocatedValues).toBeLessThanOrEqual(8 * 7_000 * 1.5);
    for (let i = 0; i < 7_000; i++) expect(table.get(row, table.findProvider(`p${i}`))).toBe(i);
  });

  it("keeps every value as the first chunk doubles, the stride widens and later chunks are added", () => {
    const table = new QTable();
    const expected: Record<string, Record<string, number>> = {};
    for (let s = 0; s < 2_500; s++) {
      const key = `w:g:r${s}`;
      const row = table.ensureRow(key);
      // A new provider every 100 states widens the stride while the first chunk is still growing.
      const providers = 1 + Math.floor(s / 100);
      expected[key] = {};
      for (let p = 0; p < providers; p++) {
        table.set(row, table.internProvider(`p${p}`), s * 100 + p);
        (expected[key] as Record<string, number>)[`p${p}`] = s * 100 + p;
      }
    }
    expect(contents(table)).toEqual(expected);
    expect(JSON.parse(piecesOf(table.snapshot()))).toEqual(expected);
  });

  it("forgets providers: their values leave every state, their columns go to new providers", () => {
    const table = new QTable();
    const rows = [table.ensureRow("a:b:c"), table.ensureRow("d:e:f")];
    for (const id of ["akash", "ionet", "vast"]) for (const row of rows) table.set(row, table.internProvider(id), id.length);
    table.forgetProviders([table.findProvider("ionet")]);
    expect(table.findProvider("ionet")).toBe(-1);
    expect(table.providerCount).toBe(2);
    expect(contents(table)).toEqual({ "a:b:c": { akash: 5, vast: 4 }, "d:e:f": { akash: 5, vast: 4 } });
    // The next new provider takes the freed column, with no value anywhere yet.
    const column = table.internProvider("render");
    expect(column).toBe(1);
    expect(table.providerId(column)).toBe("render");
    for (const row of rows) expect(table.get(row, column)).toBeNaN();
    expect(table.columnCount).toBe(3);
    expect(JSON.parse(piecesOf(table.snapshot()))).toEqual(contents(table));
    expect(() => table.forgetProviders([7])).toThrow(RangeError);
  });

  it("treats __proto__, constructor and toString as ordinary keys", () => {
    const table = new QTable();
    const keys = ["__proto__", "constructor", "toString", "hasOwnProperty"];
    keys.forEach((key, i) => {
      table.set(table.ensureRow(key), table.internProvider(key), i);
    });
    keys.forEach((key, i) => {
      expect(table.get(table.findRow(key), table.findProvider(key))).toBe(i);
    });
    expect(table.stateCount).toBe(4);
    expect(table.providerCount).toBe(4);
  });

  it("keeps every value when rows span many chunks and the width grows", () => {
    const table = new QTable();
    const states = 3000;
    table.internProvider("p0");
    for (let s = 0; s < states; s++) table.set(table.ensureRow(`s${s}`), 0, s);
    // 40 providers force several re-layouts of 3 chunks of rows.
    for (let p = 1; p < 40; p++) {
      const column = table.internProvider(`p${p}`);
      table.set(table.findRow(`s${p * 70}`), column, -p);
    }
    for (let s = 0; s < states; s++) expect(table.get(table.findRow(`s${s}`), 0)).toBe(s);
    for (let p = 1; p < 40; p++) expect(table.get(table.findRow(`s${p * 70}`), p)).toBe(-p);
    expect(table.get(table.findRow("s1"), 39)).toBeNaN();
  });

  describe("rowMax", () => {
    it("is the highest value the row holds, skipping providers it has none for", () => {
      const table = new QTable();
      const row = table.ensureRow("s");
      table.internProvider("a");
      table.set(row, table.internProvider("b"), -3);
      table.set(row, table.internProvider("c"), -7);
      expect(table.rowMax(row)).toBe(-3);
    });

    it("is −∞ for a row with no values", () => {
      const table = new QTable();
      table.internProvider("a");
      expect(table.rowMax(table.ensureRow("s"))).toBe(-Infinity);
    });
  });

  it("visits states in the order they were added", () => {
    const table = new QTable();
    for (const key of ["b", "a", "__proto__"]) table.ensureRow(key);
    expect([...table.states()]).toEqual([
      ["b", 0],
      ["a", 1],
      ["__proto__", 2],
    ]);
  });

  describe("snapshot", () => {
    type Step = { state: number; provider: number; value: number };
    const step = fc.record({
      state: fc.nat(2_500),
      provider: fc.nat(11),
      value: fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), fc.constantFrom(0, -0, 1e-300, 8.25)),
    });
    const apply = (table: QTable, steps: Step[]) => {
      for (const { state, provider, value } of steps) {
        // Odd ids are integer-like: JavaScript orders such keys first in objects, the JSON pieces in column order.
        const row = table.ensureRow(`w${state % 7}:g:r${state}`);
        table.set(row, table.internProvider(provider % 2 === 1 ? String(provider) : `p-${provider}`), value);
      }
    };

    it("holds the table as it was, whatever is learned, added or widened after it (property)", () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 300 }), fc.array(step, { maxLength: 300 }), (before, after) => {
          const table = new QTable();
          apply(table, before);
          const expected = contents(table);
          const snapshot = table.snapshot();
          apply(table, after); // updates, new states (past a 1,024-row chunk), new providers (past the stride)
          expect(snapshot.stateCount).toBe(Object.keys(expected).length);
          expect(snapshot.toJSON()).toEqual(expected);
          // JSON has no −0: through text, both ways print it as 0, as JSON.stringify of the plain object does.
          const asJson = JSON.parse(JSON.stringify(expected));
          expect(JSON.parse(piecesOf(snapshot))).toEqual(asJson);
          expect(JSON.parse(JSON.stringify(snapshot))).toEqual(asJson);
        }),
        { numRuns: 150 },
      );
    });

    it("writes its JSON a few thousand states a piece, and keeps prototype-named keys as data", () => {
      const table = new QTable();
      for (let s = 0; s < 5_000; s++) table.set(table.ensureRow(`w:g:r${s}`), table.internProvider("p"), s);
      table.set(table.ensureRow("__proto__"), table.internProvider("constructor"), 1);
      const pieces = [...table.snapshot()[JSON_PIECES]()];
      expect(pieces.length).toBeGreaterThan(3);
      const parsed = JSON.parse(pieces.join(""));
      expect(Object.keys(parsed)).toHaveLength(5_001);
      expect(Object.hasOwn(parsed, "__proto__")).toBe(true);
      expect(parsed.__proto__).toEqual({ constructor: 1 });
    });
  });
});
