import { describe, expect, it } from "vitest";
import { SparseVector } from "./sparse-vector.js";

describe("SparseVector", () => {
  it("grows past its capacity and dots with a weight array", () => {
    const v = new SparseVector(1);
    v.push(0, 2);
    v.push(3, -1);
    v.push(1, 0.5);
    expect(v.nnz).toBe(3);
    expect(v.dot(Float64Array.from([1, 4, 0, 3]))).toBe(2 - 3 + 2);
    const w = new SparseVector();
    w.copyFrom(v);
    v.clear();
    expect([v.nnz, w.nnz]).toEqual([0, 3]);
  });
});
