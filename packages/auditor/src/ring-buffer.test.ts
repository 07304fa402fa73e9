import { describe, expect, it } from "vitest";
import { RingBuffer } from "./ring-buffer.js";

describe("RingBuffer", () => {
  it("refuses a capacity below 1", () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });

  it("returns the newest items first, up to a limit", () => {
    const ring = new RingBuffer<number>(5);
    for (let i = 0; i < 3; i++) ring.push(i);
    expect(ring.newest(10)).toEqual([2, 1, 0]);
    expect(ring.newest(2)).toEqual([2, 1]);
    expect(ring.newest(0)).toEqual([]);
  });

  it("evicts the oldest item once full and returns it", () => {
    const ring = new RingBuffer<string>(2);
    expect(ring.push("a")).toBeUndefined();
    expect(ring.push("b")).toBeUndefined();
    expect(ring.push("c")).toBe("a");
    expect(ring.newest(Number.POSITIVE_INFINITY)).toEqual(["c", "b"]);
  });

  it("never holds more than its capacity, however many items are pushed", () => {
    const ring = new RingBuffer<number>(7);
    for (let i = 0; i < 700; i++) ring.push(i);
    expect(ring.size).toBe(7);
    expect(ring.pushed).toBe(700);
    expect(ring.oldestSeq).toBe(693);
    expect(ring.newest(100)).toEqual([699, 698, 697, 696, 695, 694, 693]);
  });

  it("addresses held items by sequence number and forgets evicted ones", () => {
    const ring = new RingBuffer<string>(3);
    for (const s of ["s0", "s1", "s2", "s3", "s4"]) ring.push(s);
    expect([0, 1, 2, 3, 4, 5].map((seq) => ring.at(seq))).toEqual([undefined, undefined, "s2", "s3", "s4", undefined]);
  });
});
