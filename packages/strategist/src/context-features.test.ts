import { describe, expect, it } from "vitest";
import { context, provider } from "../test/learning-market.js";
import { ContextFeatures } from "./context-features.js";
import { SparseVector } from "./sparse-vector.js";

describe("ContextFeatures", () => {
  it("gives a provider its identity, and a cross per configured context part", () => {
    const features = new ContextFeatures(["region", "gpu_type"], 64);
    const x = new SparseVector();
    features.failure(context("eu-central"), provider("akash", 1, 100, 90), x, true);
    expect(Array.from(x.index.subarray(0, x.nnz))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(x.value.subarray(0, x.nnz))).toEqual([1, 0.5, 1, 1, 1]);
    expect(features.toJSON().failure).toEqual([
      ["bias", ""],
      ["reputation", ""],
      ["provider", "akash"],
      ["provider×region", "akash", "eu-central"],
      ["provider×gpu_type", "akash", "a100"],
    ]);
    features.success(context("eu-central", 2), provider("akash", 1.5, 120, 90), x, true);
    expect(Array.from(x.index.subarray(0, x.nnz))).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(x.value.subarray(0, x.nnz))).toEqual([1, 0.12, 0.3, 1, 0.3]);
  });

  it("adds nothing when asked not to intern: an unseen provider is judged by the shared features", () => {
    const features = new ContextFeatures([], 64);
    const x = new SparseVector();
    features.failure(context(), provider("new"), x, false);
    expect(x.nnz).toBe(2);
    expect(features.failureDimension).toBe(2);
  });

  it("stops adding features at maxFeatures", () => {
    const features = new ContextFeatures(["region"], 6);
    const x = new SparseVector();
    for (let i = 0; i < 5; i++) features.failure(context(`r${i}`), provider(`p${i}`), x, true);
    expect(features.failureDimension).toBe(6);
  });

  it("round-trips its feature names, ids like __proto__ included", () => {
    const features = new ContextFeatures(["region"], 64);
    const x = new SparseVector();
    features.failure(context("constructor"), provider("__proto__"), x, true);
    features.success(context(), provider("__proto__"), x, true);
    const copy = new ContextFeatures(["region"], 64);
    copy.restore(JSON.parse(JSON.stringify(features.toJSON())), "features");
    expect(copy.toJSON()).toEqual(features.toJSON());
    const y = new SparseVector();
    copy.failure(context("constructor"), provider("__proto__"), y, false);
    features.failure(context("constructor"), provider("__proto__"), x, false);
    expect(Array.from(y.index.subarray(0, y.nnz))).toEqual(Array.from(x.index.subarray(0, x.nnz)));
  });
});
