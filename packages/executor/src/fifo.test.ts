import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Fifo } from "./fifo.js";

describe("Fifo", () => {
  it("shifts items in the order they were pushed", () => {
    const fifo = new Fifo<string>();
    fifo.push("a");
    fifo.push("b");
    expect(fifo.peek()).toBe("a");
    expect(fifo.shift()).toBe("a");
    expect(fifo.shift()).toBe("b");
    expect(fifo.shift()).toBeUndefined();
    expect(fifo.peek()).toBeUndefined();
    expect(fifo.size).toBe(0);
  });

  it("drains everything left, oldest first, and is empty afterwards", () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 5; i++) fifo.push(i);
    fifo.shift();
    expect(fifo.drain()).toEqual([1, 2, 3, 4]);
    expect(fifo.size).toBe(0);
    expect(fifo.drain()).toEqual([]);
  });

  it("retains only the items kept, in order", () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 10; i++) fifo.push(i);
    fifo.shift();
    fifo.retain((n) => n % 3 === 0);
    expect(fifo.drain()).toEqual([3, 6, 9]);
  });

  it("behaves like an array queue for any sequence of pushes, shifts and retains", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), n: fc.integer() }),
      fc.record({ kind: fc.constant("shift" as const), times: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant("retain" as const), mod: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant("bulk" as const), count: fc.integer({ min: 1, max: 3000 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        for (const s of steps) {
          if (s.kind === "push") {
            fifo.push(s.n);
            model.push(s.n);
          } else if (s.kind === "bulk") {
            for (let i = 0; i < s.count; i++) {
              fifo.push(i);
              model.push(i);
            }
          } else if (s.kind === "shift") {
            for (let i = 0; i < s.times; i++) expect(fifo.shift()).toBe(model.shift());
          } else {
            fifo.retain((n) => n % s.mod === 0);
            model.splice(0, model.length, ...model.filter((n) => n % s.mod === 0));
          }
          expect(fifo.size).toBe(model.length);
          expect(fifo.peek()).toBe(model[0]);
        }
        expect(fifo.drain()).toEqual(model);
      }),
      { numRuns: 50 },
    );
  });
});
