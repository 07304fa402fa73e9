import { describe, expect, it } from "vitest";
import { crc32 } from "./crc32.js";

describe("crc32", () => {
  it("matches the standard check value for 123456789", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
  });

  it("is 0 for empty input and the same for text and its UTF-8 bytes", () => {
    expect(crc32("")).toBe(0);
    expect(crc32("Ψ-Field")).toBe(crc32(Buffer.from("Ψ-Field", "utf8")));
  });
});
