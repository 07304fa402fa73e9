import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hasJsonPieces, JSON_PIECES, piecewise } from "./json-pieces.js";

const joined = (value: { [JSON_PIECES](): Iterable<string> }) => [...value[JSON_PIECES]()].join("");

describe("piecewise", () => {
  it("writes the text JSON.stringify writes, for any object or array", () => {
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue())), (value) => {
        const pieces = piecewise(value);
        expect(hasJsonPieces(pieces)).toBe(true);
        expect(joined(pieces)).toBe(JSON.stringify(value));
        expect(JSON.stringify(pieces)).toBe(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it("lets a member that writes its own pieces write them, and leaves out what JSON.stringify leaves out", () => {
    const table = {
      toJSON: () => ({ a: [1, 2] }),
      *[JSON_PIECES]() {
        yield '{"a":';
        yield "[1,2]}";
      },
    };
    const object = { head: 1, table, skipped: undefined, fn: () => 0, "7": "seven", nested: piecewise({ table }) };
    const text = joined(piecewise(object));
    expect(text).toBe(JSON.stringify(object));
    expect(JSON.parse(text)).toEqual({ "7": "seven", head: 1, table: { a: [1, 2] }, nested: { table: { a: [1, 2] } } });
    expect(joined(piecewise({}))).toBe("{}");
    const list = [1, table, undefined, () => 0, piecewise({ table }), "x"];
    expect(joined(piecewise(list))).toBe(JSON.stringify(list));
    expect(joined(piecewise([]))).toBe("[]");
  });
});
