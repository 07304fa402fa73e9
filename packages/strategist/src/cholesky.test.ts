import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { choleskyLower, inverseFromCholesky } from "./cholesky.js";

/** A random symmetric positive definite n×n matrix: B·Bᵀ + n·I. */
const spd = (n: number) =>
  fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n * n, maxLength: n * n }).map((b) => {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let sum = i === j ? n : 0;
        for (let k = 0; k < n; k++) sum += (b[i * n + k] as number) * (b[j * n + k] as number);
        a[i * n + j] = sum;
      }
    return a;
  });

describe("choleskyLower", () => {
  it("factors a known matrix: [[4, 2], [2, 3]] = L·Lᵀ with L = [[2, 0], [1, √2]]", () => {
    const l = new Float64Array(4);
    expect(choleskyLower(Float64Array.from([4, 2, 2, 3]), 2, 2, l)).toBe(2);
    expect(Array.from(l)).toEqual([2, 0, 1, Math.SQRT2]);
  });

  it("factors a rank-deficient covariance, zeroing the missing direction", () => {
    const l = new Float64Array(4);
    expect(choleskyLower(Float64Array.from([1, 1, 1, 1]), 2, 2, l)).toBe(1);
    expect(Array.from(l)).toEqual([1, 0, 1, 0]);
  });

  it("reproduces the matrix: L·Lᵀ = A", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) => spd(n).map((a) => [n, a] as const)),
        ([n, a]) => {
          const l = new Float64Array(n * n);
          choleskyLower(a, n, n, l);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) {
              let sum = 0;
              for (let k = 0; k < n; k++) sum += (l[i * n + k] as number) * (l[j * n + k] as number);
              expect(sum).toBeCloseTo(a[i * n + j] as number, 8);
            }
        },
      ),
    );
  });
});

describe("inverseFromCholesky", () => {
  it("gives A⁻¹: A·A⁻¹ = I", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) => spd(n).map((a) => [n, a] as const)),
        ([n, a]) => {
          const l = new Float64Array(n * n);
          const inverse = new Float64Array(n * n);
          choleskyLower(a, n, n, l);
          inverseFromCholesky(l, n, n, inverse, new Float64Array(n));
          for (let i = 0; i < n; i++)
            for (let j = 0; j < n; j++) {
              let sum = 0;
              for (let k = 0; k < n; k++) sum += (a[i * n + k] as number) * (inverse[k * n + j] as number);
              expect(sum).toBeCloseTo(i === j ? 1 : 0, 8);
            }
        },
      ),
    );
  });
});
