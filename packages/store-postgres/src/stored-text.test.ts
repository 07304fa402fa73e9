import { createRng } from "@aurora/engine";
import { describe, expect, it } from "vitest";
import { decodeJsonText, decodeStoredValue, decodeText, encodeJsonText, encodeText } from "./stored-text.js";

/** Strings dense in what matters: U+0000, the mark, surrogates (paired and not), backslashes, quotes, `u`, hex digits. */
function randomStrings(count: number, seed: number): string[] {
  const units = [
    "\u0000",
    "\uFDD0",
    "\uD800",
    "\uDBFF",
    "\uDC00",
    "\uDFFF",
    "\\",
    '"',
    "u",
    "d",
    "8",
    "0",
    "a",
    "é",
    "\uFFFD",
    "\n",
  ];
  const next = createRng(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: Math.floor(next() * 12) }, () => units[Math.floor(next() * units.length)] as string).join(""),
  );
}

/** What PostgreSQL's text and jsonb hold: no U+0000 and no lone surrogate. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is one of the characters PostgreSQL refuses.
const storable = (text: string) => !/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

const mapStrings = (value: unknown, map: (text: string) => string): unknown => {
  if (typeof value === "string") return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [map(key), mapStrings(member, map)]));
  return value;
};

describe("encodeText", () => {
  it("leaves text PostgreSQL holds as it is, surrogate pairs and U+FFFD included", () => {
    for (const text of ["", "akash", "us-west", "😀 ok", "\uFFFD", "a\\u0000b", "\uFDD1"]) expect(encodeText(text)).toBe(text);
  });

  it("escapes U+0000, lone surrogates and the mark U+FDD0 as the mark and four hex digits", () => {
    expect(encodeText("akash\u0000eu")).toBe("akash\uFDD00000eu");
    expect(encodeText("a\uD800")).toBe("a\uFDD0d800");
    expect(encodeText("\uDC00a")).toBe("\uFDD0dc00a");
    expect(encodeText("\uFDD0")).toBe("\uFDD0fdd0");
  });

  it("gives storable text that decodeText turns back into the original, distinct for distinct strings", () => {
    const strings = [...randomStrings(5_000, 7), "\uD800", "\uD801", "\uFFFD"];
    const seen = new Map<string, string>();
    for (const text of strings) {
      const encoded = encodeText(text);
      expect(storable(encoded)).toBe(true);
      expect(decodeText(encoded)).toBe(text);
      const before = seen.get(encoded);
      if (before !== undefined) expect(before).toBe(text);
      seen.set(encoded, text);
    }
  });
});

describe("encodeJsonText", () => {
  it("gives the JSON of the value with every string and key through encodeText", () => {
    const values = randomStrings(2_000, 11).map((text, i) => ({ [text]: [text, i, { id: text, n: null }], plain: "x" }));
    for (const value of values) {
      expect(encodeJsonText(JSON.stringify(value))).toBe(JSON.stringify(mapStrings(value, encodeText)));
    }
  });

  it("leaves JSON without U+0000, lone surrogates or the mark as it is", () => {
    const json = JSON.stringify({ id: "a\\u0000 \\\\ud800 😀", n: [1, 2] });
    expect(encodeJsonText(json)).toBe(json);
  });
});

describe("decodeJsonText", () => {
  it("turns the text of a stored value back into JSON of the original", () => {
    for (const text of randomStrings(2_000, 13)) {
      const value = { [text]: text, list: [text] };
      expect(JSON.parse(decodeJsonText(encodeJsonText(JSON.stringify(value))))).toEqual(value);
    }
  });
});

describe("decodeStoredValue", () => {
  it("restores every string and key of a parsed value, __proto__ as an own key", () => {
    const value = JSON.parse('{"__proto__":"p\\u0000","a\\ud800":["\\udc00",1,null,{"k":"\\ufdd0"}]}') as unknown;
    const stored = JSON.parse(encodeJsonText(JSON.stringify(value))) as unknown;
    expect(decodeStoredValue(stored)).toEqual(value);
    expect(Object.getPrototypeOf(decodeStoredValue(stored))).toBe(Object.prototype);
  });
});
