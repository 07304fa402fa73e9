import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { topAlternatives } from "./rank-alternatives.js";

/** What `topAlternatives` writes, as index and estimate of each, best first. */
function rankAlternatives(estimates: readonly number[], chosenIndex: number, wanted: number) {
  const into = new Int32Array(Math.max(0, wanted));
  const count = topAlternatives(estimates, chosenIndex, wanted, into);
  return Array.from(into.subarray(0, count), (index) => ({ index, estimate: estimates[index] as number }));
}

/** The definition: every other candidate, sorted best first (ties: candidate order), cut to `wanted`. */
function bySorting(estimates: readonly number[], chosenIndex: number, wanted: number) {
  return estimates
    .map((estimate, index) => ({ index, estimate }))
    .filter((a) => a.index !== chosenIndex)
    .sort((a, b) => b.estimate - a.estimate || a.index - b.index)
    .slice(0, Math.max(0, wanted));
}

describe("topAlternatives", () => {
  it("gives the best others, best first, ties in candidate order", () => {
    expect(rankAlternatives([1, 5, 3, 5, 4, 0], 1, 3)).toEqual([
      { index: 3, estimate: 5 },
      { index: 4, estimate: 4 },
      { index: 2, estimate: 3 },
    ]);
  });

  it("gives every other candidate when fewer than wanted, and none when none are wanted", () => {
    expect(rankAlternatives([2, 1], 0, 3)).toEqual([{ index: 1, estimate: 1 }]);
    expect(rankAlternatives([2, 1, 3], 0, 0)).toEqual([]);
    expect(rankAlternatives([2], 0, 3)).toEqual([]);
  });

  it("agrees with sorting every candidate, for any finite estimates", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -3, max: 3 })), {
          maxLength: 40,
        }),
        fc.nat(45),
        fc.integer({ min: 0, max: 12 }),
        (estimates, chosenIndex, wanted) => {
          expect(rankAlternatives(estimates, chosenIndex, wanted)).toEqual(bySorting(estimates, chosenIndex, wanted));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
