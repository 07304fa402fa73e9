import { describe, expect, it } from "vitest";
import { QTable } from "./q-table.js";

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
});
