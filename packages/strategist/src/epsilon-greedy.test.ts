import { ValidationError } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decayedEpsilon,
  effectiveEpsilon,
  epsilonGreedyPropensities,
  epsilonGreedyPropensity,
  greedyIndex,
} from "./epsilon-greedy.js";

describe("effectiveEpsilon", () => {
  it("is ε without a Ψ density", () => {
    expect(effectiveEpsilon(0.2)).toBe(0.2);
  });

  it("is ε·(1 − 0.5·d) with a Ψ density d", () => {
    expect(effectiveEpsilon(0.2, 0.68)).toBeCloseTo(0.132, 15);
    expect(effectiveEpsilon(0.2, 1)).toBe(0.1);
    expect(effectiveEpsilon(0.2, 0)).toBe(0.2);
  });

  it.each([NaN, -0.1, 1.1, Infinity])("rejects the Ψ density %s, naming psiDensity", (density) => {
    expect(() => effectiveEpsilon(0.1, density)).toThrow(ValidationError);
    expect(() => effectiveEpsilon(0.1, density)).toThrow(/^psiDensity: must be a number from 0 to 1/);
  });
});

describe("greedyIndex", () => {
  it("is the highest estimate, ties going to the first", () => {
    expect(greedyIndex([1, 3, 2, 3])).toBe(1);
    expect(greedyIndex([-5])).toBe(0);
    expect(greedyIndex([])).toBe(-1);
  });
});

describe("epsilonGreedyPropensity", () => {
  it("is ε/n for a non-greedy candidate and ε/n + 1 − ε for the greedy one", () => {
    expect(epsilonGreedyPropensity(0.3, 3, false)).toBeCloseTo(0.1, 15);
    expect(epsilonGreedyPropensity(0.3, 3, true)).toBeCloseTo(0.8, 15);
    expect(epsilonGreedyPropensity(0, 4, true)).toBe(1);
  });

  it("sums to 1 over all candidates", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (estimates, epsilon) => {
          const propensities = epsilonGreedyPropensities(estimates, epsilon);
          const sum = propensities.reduce((a, b) => a + b, 0);
          expect(sum).toBeCloseTo(1, 12);
          for (const p of propensities) expect(p).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});

describe("decayedEpsilon", () => {
  it("multiplies ε by the decay", () => {
    expect(decayedEpsilon(0.1, 0.995, 0.01)).toBeCloseTo(0.0995, 15);
  });

  it("stops at the floor", () => {
    expect(decayedEpsilon(0.01005, 0.5, 0.01)).toBe(0.01);
  });

  it("never raises an ε that starts below the floor", () => {
    expect(decayedEpsilon(0.001, 0.995, 0.01)).toBe(0.001);
  });

  it("never goes below the floor and never increases", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: Number.MIN_VALUE, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        (start, decay, floor, steps) => {
          let epsilon = start;
          for (let i = 0; i < steps; i++) {
            const next = decayedEpsilon(epsilon, decay, floor);
            expect(next).toBeLessThanOrEqual(epsilon);
            expect(next).toBeGreaterThanOrEqual(Math.min(floor, start));
            epsilon = next;
          }
        },
      ),
    );
  });
});
