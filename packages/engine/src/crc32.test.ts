import * as zlib from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32, crc32Portable } from "./crc32.js";

describe("crc32", () => {
  it("matches the standard check value for 123456789", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32Portable("123456789")).toBe(0xcbf43926);
  });

  it("is 0 for empty input and the same for text and its UTF-8 bytes", () => {
    expect(crc32("")).toBe(0);
    expect(crc32("Ψ-Field")).toBe(crc32(Buffer.from("Ψ-Field", "utf8")));
  });

  it("uses zlib's native crc32 when Node has it", () => {
    const native = (zlib as { crc32?: unknown }).crc32;
    expect(crc32).toBe(native ?? crc32Portable);
  });

  it("gives the same checksum natively and in JavaScript for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        expect(crc32Portable(bytes)).toBe(crc32(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it("gives the same checksum natively and in JavaScript for any text, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 512 }), (text) => {
        expect(crc32Portable(text)).toBe(crc32(text));
        expect(crc32(text)).toBe(crc32(Buffer.from(text, "utf8")));
      }),
      { numRuns: 500 },
    );
  });
});
