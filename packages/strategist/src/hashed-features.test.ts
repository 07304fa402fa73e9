import { describe, expect, it } from "vitest";
import { context, provider } from "../test/learning-market.js";
import { DENSE_FEATURES, fnv1a, HashedFeatures, regionFamilyHash } from "./hashed-features.js";
import { SparseVector } from "./sparse-vector.js";

describe("fnv1a", () => {
  it("is 32-bit FNV-1a: the empty string is the offset basis, 'a' is 0xe40c292c", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
  });
});

describe("regionFamilyHash", () => {
  it("drops a trailing -<digits> so regions named alike share a family", () => {
    expect(regionFamilyHash("ap-south-3")).toBe(regionFamilyHash("ap-south-17"));
    expect(regionFamilyHash("ap-south-3")).toBe(fnv1a("ap-south"));
    expect(regionFamilyHash("us-west")).toBe(fnv1a("us-west"));
    expect(regionFamilyHash("eu1")).toBe(fnv1a("eu1"));
  });
});

describe("HashedFeatures", () => {
  it("writes ten failure features and five success features, hashed past the dense ones", () => {
    const features = new HashedFeatures(12);
    features.setContext(context("ap-south-3", 2));
    const x = new SparseVector();
    features.failure(provider("akash", 1, 100, 90), x);
    expect(x.nnz).toBe(10);
    expect(Array.from(x.value.subarray(0, 2))).toEqual([1, 0.5]);
    for (let k = 2; k < x.nnz; k++) {
      expect(x.index[k]).toBeGreaterThanOrEqual(DENSE_FEATURES);
      expect(x.index[k]).toBeLessThan(1 << 12);
    }
    features.success(provider("akash", 1, 100, 90), 2, x);
    expect(x.nnz).toBe(5);
    expect(Array.from(x.value.subarray(0, x.nnz))).toEqual([1, 0.1, 0.2, 1, 0.2]);
  });

  it("gives the same provider the same identity feature in every state", () => {
    const features = new HashedFeatures(16);
    const x = new SparseVector();
    features.setContext(context("ap-south-3"));
    features.failure(provider("__proto__"), x);
    const identity = x.index[2];
    features.setContext(context("eu-west-1", 1, "h100", "render"));
    features.failure(provider("__proto__"), x);
    expect(x.index[2]).toBe(identity);
  });
});
