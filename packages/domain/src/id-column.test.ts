import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdColumn } from "./id-column.js";

describe("IdColumn", () => {
  it("gives back the id last stored in each slot, and equals exactly that id, for any strings", () => {
    const id = fc.oneof(
      fc.uuid(),
      fc.string({ maxLength: 45 }),
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.string({ unit: fc.constantFrom("a", "é", "ÿ", "Ā", "€"), maxLength: 41 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(9), id), { minLength: 1, maxLength: 60 }),
        fc.array(id, { maxLength: 5 }),
        (writes, probes) => {
          const column = new IdColumn();
          column.grow(4);
          const expected = new Map<number, string>();
          for (const [slot, value] of writes) {
            column.grow(slot + 1);
            column.set(slot, value);
            expected.set(slot, value);
          }
          for (const [slot, value] of expected) {
            expect(column.get(slot)).toBe(value);
            expect(column.equals(slot, value)).toBe(true);
            for (const other of probes) expect(column.equals(slot, other)).toBe(other === value);
            expect(column.equals(slot, `${value}x`)).toBe(false);
            if (value.length > 0) expect(column.equals(slot, value.slice(0, -1))).toBe(false);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("keeps what it holds when it grows, and does not shrink", () => {
    const column = new IdColumn();
    column.grow(2);
    column.set(0, "7d3e1c52-3a3b-4f7e-9a51-2b1f0c9d8e7a");
    column.set(1, "x".repeat(41));
    column.grow(64);
    column.grow(8);
    expect(column.slots).toBe(64);
    expect(column.get(0)).toBe("7d3e1c52-3a3b-4f7e-9a51-2b1f0c9d8e7a");
    expect(column.get(1)).toBe("x".repeat(41));
  });
});
