import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { choleskyLower, inverseFromCholesky } from "./cholesky.js";
import { shermanMorrisonUpdate, sparseQuadratic } from "./sherman-morrison.js";

function inverse(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  const out = new Float64Array(n * n);
  choleskyLower(a, n, n, l);
  inverseFromCholesky(l, n, n, out, new Float64Array(n));
  return out;
}

describe("shermanMorrisonUpdate", () => {
  it("updates A⁻¹ to (A + u·uᵀ)⁻¹ for a sparse u = scale·x, returning 1 + uᵀA⁻¹u", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.5, max: 3, noNaN: true }), { minLength: 5, maxLength: 5 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        (diagonal, indices, values, scale) => {
          const n = 5;
          const a = new Float64Array(n * n);
          for (let i = 0; i < n; i++) a[i * n + i] = diagonal[i] as number;
          a[1] = a[5] = 0.2;
          const ainv = inverse(a, n);
          const index = Int32Array.from(indices);
          const value = Float64Array.from(values.slice(0, indices.length));
          const denominator = shermanMorrisonUpdate(ainv, n, n, index, value, index.length, scale, new Float64Array(n));
          const updated = Float64Array.from(a);
          for (let p = 0; p < index.length; p++)
            for (let q = 0; q < index.length; q++) {
              const at = (index[p] as number) * n + (index[q] as number);
              updated[at] = (updated[at] as number) + scale * scale * (value[p] as number) * (value[q] as number);
            }
          const expected = inverse(updated, n);
          for (let i = 0; i < n * n; i++) expect(ainv[i]).toBeCloseTo(expected[i] as number, 9);
          expect(denominator).toBeGreaterThanOrEqual(1);
        },
      ),
    );
  });
});

describe("sparseQuadratic", () => {
  it("computes xᵀMy over the nonzero entries", () => {
    const m = Float64Array.from([1, 2, 0, 2, 5, 1, 0, 1, 3]);
    const x = { index: Int32Array.from([0, 2]), value: Float64Array.from([1, 2]) };
    const y = { index: Int32Array.from([1]), value: Float64Array.from([3]) };
    // xᵀMy = 1·M[0][1]·3 + 2·M[2][1]·3 = 6 + 6.
    expect(sparseQuadratic(m, 3, x.index, x.value, 2, y.index, y.value, 1)).toBe(12);
  });
});
