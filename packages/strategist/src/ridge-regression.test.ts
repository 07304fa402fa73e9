import { ValidationError } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RidgeRegression } from "./ridge-regression.js";
import { SparseVector } from "./sparse-vector.js";

function vector(entries: [number, number][]): SparseVector {
  const v = new SparseVector();
  for (const [i, x] of entries) v.push(i, x);
  return v;
}

/** θ = (λI + Σ wₜ xₜxₜᵀ)⁻¹ Σ wₜ yₜxₜ in two dimensions, solved directly. */
function ridge2(rows: [number, number, number, number][], lambda: number): [number, number] {
  let a = lambda;
  let b = 0;
  let d = lambda;
  let u = 0;
  let v = 0;
  for (const [x0, x1, y, w] of rows) {
    a += w * x0 * x0;
    b += w * x0 * x1;
    d += w * x1 * x1;
    u += w * y * x0;
    v += w * y * x1;
  }
  const det = a * d - b * b;
  return [(d * u - b * v) / det, (a * v - b * u) / det];
}

describe("RidgeRegression", () => {
  describe("features that differ in size by far more than 10⁶ (a bias of 1 beside a job cost of 10⁸)", () => {
    // The squares differ by 10¹⁶: factored as it is, A's pivot for the bias falls under the
    // factorisation's floor (10⁻¹² of the largest diagonal entry) although A is positive definite.
    const small = vector([
      [0, 1],
      [1, 1],
    ]);
    const huge = vector([
      [0, 1],
      [1, 1e8],
    ]);
    const learn = (model: RidgeRegression, pairs: number) => {
      for (let i = 0; i < pairs; i++) {
        model.update(i % 10 === 0 ? huge : small, i % 10 === 0 ? -1e14 : 1);
        expect(Number.isFinite(model.predict(small))).toBe(true);
        expect(Number.isFinite(model.variance(small))).toBe(true);
      }
    };
    /** xᵀA⁻¹x for x = (x0, x1), A's lower triangle [a00, a10, a11] as a snapshot holds it. */
    const quadratic = (a: number[], x0: number, x1: number) => {
      const [a00, a10, a11] = a as [number, number, number];
      return (a11 * x0 * x0 - 2 * a10 * x0 * x1 + a00 * x1 * x1) / (a00 * a11 - a10 * a10);
    };

    it("keeps its estimates finite, and its refresh puts the prior back", () => {
      const model = new RidgeRegression({ ridge: (j) => (j === 0 ? 1 : 2), discount: 0.9995 });
      learn(model, 300);
      model.refresh();
      expect(Number.isFinite(model.predict(huge))).toBe(true);
      // Discounting wore the regulariser down to λ·γ^(updates since the last refresh); a refresh
      // that inverted A tops it back up to λ (one that found A singular left it worn).
      const regulariser = model.toJSON().regulariser;
      expect(regulariser[0]).toBeCloseTo(1, 12);
      expect(regulariser[1]).toBeCloseTo(2, 12);
    });

    it("restores from its snapshot with the variances A gives, not the prior's", () => {
      const model = new RidgeRegression({ ridge: (j) => (j === 0 ? 1 : 2), discount: 1 });
      learn(model, 300);
      const snapshot = JSON.parse(JSON.stringify(model.toJSON()));
      const copy = new RidgeRegression({ ridge: (j) => (j === 0 ? 1 : 2), discount: 1 });
      copy.restore(snapshot, "model");
      // 270 small jobs and 30 huge ones: the variance along the small job is ~1/270, not the
      // prior's 1/1 + 1/2.
      const expected = quadratic(snapshot.a, 1, 1);
      expect(expected).toBeLessThan(0.01);
      expect(copy.variance(small) / expected).toBeCloseTo(1, 6);
      expect(copy.variance(huge) / quadratic(snapshot.a, 1, 1e8)).toBeCloseTo(1, 6);
      expect(copy.variance(small) / model.variance(small)).toBeCloseTo(1, 6);
    });
  });

  it("starts with weights 0 and variance 1/λ for each feature", () => {
    const model = new RidgeRegression({ ridge: (j) => (j === 0 ? 1 : 4), discount: 1 });
    model.ensureDimension(2);
    expect(
      model.predict(
        vector([
          [0, 1],
          [1, 1],
        ]),
      ),
    ).toBe(0);
    expect(model.variance(vector([[0, 1]]))).toBe(1);
    expect(model.variance(vector([[1, 2]]))).toBe(1);
  });

  it("equals the closed-form ridge solution, forgetting included", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ min: -2, max: 2, noNaN: true }),
            fc.double({ min: -2, max: 2, noNaN: true }),
            fc.double({ min: -5, max: 5, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 150,
          },
        ),
        fc.constantFrom(1, 0.99),
        (rows, discount) => {
          const model = new RidgeRegression({ ridge: () => 1, discount });
          for (const [x0, x1, y] of rows)
            model.update(
              vector([
                [0, x0],
                [1, x1],
              ]),
              y,
            );
          // Row t of T weighs γ^(T − t); the prior is topped back up to λ at each refresh, so compare right after one.
          model.refresh();
          const weighted = rows.map(
            ([x0, x1, y], t) => [x0, x1, y, discount ** (rows.length - 1 - t)] as [number, number, number, number],
          );
          const [t0, t1] = ridge2(weighted, 1);
          expect(model.weights[0]).toBeCloseTo(t0, 6);
          expect(model.weights[1]).toBeCloseTo(t1, 6);
        },
      ),
    );
  });

  it("grows: a feature added later joins with weight 0 and variance 1/λ", () => {
    const model = new RidgeRegression({ ridge: () => 2, discount: 1 });
    model.update(vector([[0, 1]]), 3);
    model.update(vector([[3, 1]]), 1);
    expect(model.dimension).toBe(4);
    expect(model.variance(vector([[2, 1]]))).toBe(0.5);
    expect(model.predict(vector([[0, 1]]))).toBeCloseTo(1, 12);
  });

  it("round-trips through its snapshot to the last bit", () => {
    const model = new RidgeRegression({ ridge: () => 1, discount: 0.995 });
    for (let t = 0; t < 100; t++)
      model.update(
        vector([
          [0, 1],
          [1 + (t % 3), t / 50],
        ]),
        Math.sin(t),
      );
    const copy = new RidgeRegression({ ridge: () => 1, discount: 0.995 });
    copy.restore(JSON.parse(JSON.stringify(model.toJSON())), "model");
    expect(copy.toJSON()).toEqual(model.toJSON());
    const x = vector([
      [0, 1],
      [2, 0.5],
    ]);
    expect(copy.predict(x)).toBe(model.predict(x));
    expect(copy.variance(x)).toBeCloseTo(model.variance(x), 12);
  });

  it("refuses a broken snapshot, naming the field", () => {
    const model = new RidgeRegression({ ridge: () => 1, discount: 1 });
    const good = new RidgeRegression({ ridge: () => 1, discount: 1 });
    good.update(vector([[0, 1]]), 1);
    const snapshot = { ...good.toJSON(), b: [Number.NaN] };
    expect(() => model.restore(snapshot, "model.failure")).toThrow(ValidationError);
    expect(() => model.restore(snapshot, "model.failure")).toThrow(/^model\.failure\.b: /);
    // A matrix no Gram matrix plus a positive prior can be: refused, not inverted into the prior's.
    const saved = good.toJSON() as { a: number[] };
    const negative = { ...saved, a: saved.a.map((value, i) => (i === 0 ? -5 : value)) };
    expect(() => model.restore(negative, "model.failure")).toThrow(/^model\.failure\.a: must be positive definite/);
  });
  it("gives a block of A⁻¹ that agrees with covariance()", () => {
    const model = new RidgeRegression({ ridge: (j) => 1 + j, discount: 0.99 });
    const rows = [
      vector([
        [0, 1],
        [2, 0.5],
      ]),
      vector([
        [1, 2],
        [3, -1],
      ]),
      vector([
        [0, 1],
        [1, 1],
        [3, 2],
      ]),
    ];
    for (let t = 0; t < 30; t++) model.update(rows[t % 3] as SparseVector, t % 5);
    const indices = Int32Array.from([3, 0, 2]);
    const block = new Float64Array(16);
    model.covarianceBlock(indices, 3, block, 4);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const expected = model.covariance(vector([[indices[a]!, 1]]), vector([[indices[b]!, 1]]));
        expect(block[a * 4 + b]).toBeCloseTo(expected, 14);
      }
    }
  });
});
