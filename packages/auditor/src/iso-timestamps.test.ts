import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IsoTimestamps } from "./iso-timestamps.js";

describe("IsoTimestamps", () => {
  it("formats as toISOString does", () => {
    const iso = new IsoTimestamps();
    expect(iso.format(Date.UTC(2025, 0, 2, 3, 4, 5, 6))).toBe("2025-01-02T03:04:05.006Z");
    expect(iso.format(Date.UTC(2025, 0, 2, 3, 4, 5, 78))).toBe("2025-01-02T03:04:05.078Z");
    expect(iso.format(Date.UTC(2025, 0, 2, 3, 4, 5, 999))).toBe("2025-01-02T03:04:05.999Z");
    expect(iso.format(Date.UTC(2025, 0, 2, 3, 4, 6, 0))).toBe("2025-01-02T03:04:06.000Z");
  });

  it("handles times before 1970 and beyond year 9999", () => {
    const iso = new IsoTimestamps();
    expect(iso.format(-1)).toBe("1969-12-31T23:59:59.999Z");
    expect(iso.format(-1000)).toBe("1969-12-31T23:59:59.000Z");
    expect(iso.format(8.64e15)).toBe("+275760-09-13T00:00:00.000Z");
    expect(iso.format(8.64e15 - 1)).toBe("+275760-09-12T23:59:59.999Z");
  });

  it("agrees with toISOString on any sequence of times, fractional milliseconds included", () => {
    const time = fc.oneof(
      fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }),
      fc.double({ min: -1e13, max: 1e13, noNaN: true }),
    );
    const steps = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: -1500, max: 1500 }), time), { maxLength: 30 });
    fc.assert(
      fc.property(time, steps, (start, moves) => {
        const iso = new IsoTimestamps();
        let t = start;
        for (const move of [0, ...moves]) {
          t = Math.abs(move) > 1e6 ? move : t + move;
          expect(iso.format(t)).toBe(new Date(t).toISOString());
        }
      }),
    );
  });
});
