import { ValidationError } from "@aurora/domain";
import { choleskyLower, inverseFromCholesky } from "./cholesky.js";
import { shermanMorrisonUpdate, sparseQuadratic } from "./sherman-morrison.js";
import type { SparseVector } from "./sparse-vector.js";

export interface RidgeRegressionOptions {
  /** λ_j: the prior precision (ridge penalty) of weight j, > 0. */
  ridge: (index: number) => number;
  /** γ in (0, 1]: every update first multiplies what was learned by γ (1 = never forget). */
  discount: number;
}

/** A ridge regression's state in plain JSON, in true (unscaled) units. */
export interface RidgeRegressionSnapshot {
  dimension: number;
  /** The lower triangle of A = Σ γ-weighted x·xᵀ + regulariser, row by row (d·(d+1)/2 numbers). */
  a: number[];
  /** b = Σ γ-weighted y·x (d numbers). */
  b: number[];
  /** The regulariser each weight currently carries on A's diagonal (d numbers). */
  regulariser: number[];
  /** The weights θ = A⁻¹b as last computed (d numbers), so a restored model predicts to the last bit. */
  theta: number[];
  updates: number;
  /** Updates since A⁻¹ was last recomputed exactly. */
  since_refresh: number;
}

/** Scale below which stored values are folded back into true units (far above float64's floor). */
const RESCALE_BELOW = 1e-100;

/**
 * Discounted ridge regression (recursive least squares with forgetting), the model behind
 * LinUCB and linear Thompson sampling (Li et al. 2010; Agrawal & Goyal 2013; discounted as in
 * D-LinUCB, Russac et al. 2019):
 *   A ← γ·A + x·xᵀ,  b ← γ·b + y·x,  θ = A⁻¹·b,  A starting at λ·I.
 * A⁻¹ is kept up to date with Sherman–Morrison rank-1 updates (O(d²) per update, no
 * allocation); θ with the matching recursive-least-squares step. Discounting is lazy: stored
 * A and b are true values divided by a running scale c = γ^updates, so forgetting costs
 * nothing per update. Every `max(64, d)` updates A⁻¹ and θ are recomputed exactly from A
 * (Cholesky, O(d³)), which also puts back the part of the λ·I prior that discounting wore
 * away (so unexplored directions keep variance 1/λ instead of growing without bound).
 * The dimension grows: a new feature joins with weight 0 and variance 1/λ.
 */
export class RidgeRegression {
  readonly #ridge: (index: number) => number;
  /** Each weight's λ_j, true units. */
  #ridgeOf: Float64Array;
  readonly #discount: number;
  #dimension = 0;
  #stride: number;
  /** Stored A (true A = scale·stored), A⁻¹ (true A⁻¹ = stored/scale), b (true b = scale·stored). */
  #a: Float64Array;
  #inverse: Float64Array;
  #b: Float64Array;
  #theta: Float64Array;
  /** The regulariser on each diagonal entry, stored units. */
  #regulariser: Float64Array;
  #scale = 1;
  #updates = 0;
  #sinceRefresh = 0;
  #product: Float64Array;

  constructor(options: RidgeRegressionOptions, capacity = 16) {
    this.#ridge = options.ridge;
    this.#discount = options.discount;
    this.#stride = Math.max(1, capacity);
    this.#a = new Float64Array(this.#stride * this.#stride);
    this.#inverse = new Float64Array(this.#stride * this.#stride);
    this.#b = new Float64Array(this.#stride);
    this.#theta = new Float64Array(this.#stride);
    this.#regulariser = new Float64Array(this.#stride);
    this.#ridgeOf = new Float64Array(this.#stride);
    this.#product = new Float64Array(this.#stride);
  }

  get dimension(): number {
    return this.#dimension;
  }

  /** Updates learned so far. */
  get updates(): number {
    return this.#updates;
  }

  /** The weights θ (the first `dimension` entries). */
  get weights(): Float64Array {
    return this.#theta;
  }

  /** Grows the model to `dimension` features; each new one has weight 0 and variance 1/λ. */
  ensureDimension(dimension: number): void {
    if (dimension <= this.#dimension) return;
    if (dimension > this.#stride) this.#grow(Math.max(dimension, this.#stride * 2));
    const stride = this.#stride;
    for (let j = this.#dimension; j < dimension; j++) {
      const ridge = this.#ridge(j);
      this.#ridgeOf[j] = ridge;
      const stored = ridge / this.#scale;
      this.#a[j * stride + j] = stored;
      this.#regulariser[j] = stored;
      this.#inverse[j * stride + j] = 1 / stored;
      this.#b[j] = 0;
      this.#theta[j] = 0;
    }
    this.#dimension = dimension;
  }

  /** θᵀx. */
  predict(x: SparseVector): number {
    return x.dot(this.#theta);
  }

  /** xᵀA⁻¹y (true units): the posterior covariance of two predictions, up to the noise variance. */
  covariance(x: SparseVector, y: SparseVector): number {
    return sparseQuadratic(this.#inverse, this.#stride, x.index, x.value, x.nnz, y.index, y.value, y.nnz) / this.#scale;
  }

  /** xᵀA⁻¹x (true units): the posterior variance of a prediction, up to the noise variance. */
  variance(x: SparseVector): number {
    return this.covariance(x, x);
  }

  /**
   * `predict` for an x that may name features past `dimension`, as `ensureDimension` would
   * create them (weight 0): the same sum, in the same order, without growing the model.
   */
  predictAhead(x: SparseVector): number {
    const theta = this.#theta;
    const dimension = this.#dimension;
    let sum = 0;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.index[k] as number;
      sum += (j < dimension ? (theta[j] as number) : 0) * (x.value[k] as number);
    }
    return sum;
  }

  /**
   * `variance` for an x that may name features past `dimension`, as `ensureDimension` would
   * create them (variance 1/λ_j, uncorrelated with the rest): the same sum, in the same order
   * and to the same bit, without growing the model.
   */
  varianceAhead(x: SparseVector): number {
    const inverse = this.#inverse;
    const stride = this.#stride;
    const dimension = this.#dimension;
    const { index, value, nnz } = x;
    let sum = 0;
    for (let a = 0; a < nnz; a++) {
      const i = index[a] as number;
      let inner = 0;
      for (let b = 0; b < nnz; b++) {
        const j = index[b] as number;
        let entry: number;
        if (i < dimension && j < dimension) entry = inverse[i * stride + j] as number;
        else entry = i === j ? 1 / (this.#ridge(i) / this.#scale) : 0;
        inner += entry * (value[b] as number);
      }
      sum += inner * (value[a] as number);
    }
    return sum / this.#scale;
  }

  /**
   * The block of A⁻¹ (true units) on the features `indices[0…m)`: the posterior covariance of
   * those weights, up to the noise variance. Writes it into `out`, row-major with row length
   * `outStride`, so out[a·outStride + b] = A⁻¹[indices[a], indices[b]].
   */
  covarianceBlock(indices: Int32Array, m: number, out: Float64Array, outStride: number): void {
    const inverse = this.#inverse;
    const stride = this.#stride;
    const scale = this.#scale;
    for (let a = 0; a < m; a++) {
      const row = (indices[a] as number) * stride;
      const at = a * outStride;
      for (let b = 0; b < m; b++) out[at + b] = (inverse[row + (indices[b] as number)] as number) / scale;
    }
  }

  /** Learns one observation (x, y): discounts what was learned by γ, then adds it. */
  update(x: SparseVector, y: number): void {
    let maxIndex = -1;
    for (let k = 0; k < x.nnz; k++) maxIndex = Math.max(maxIndex, x.index[k] as number);
    this.ensureDimension(maxIndex + 1);
    this.#scale *= this.#discount;
    if (this.#scale < RESCALE_BELOW) this.#rescale();
    const scale = this.#scale;
    const rootScale = Math.sqrt(scale);
    const stride = this.#stride;
    // Stored A gains x·xᵀ/c, i.e. u·uᵀ with u = x/√c; stored b gains y·x/c.
    for (let p = 0; p < x.nnz; p++) {
      const i = x.index[p] as number;
      const vi = (x.value[p] as number) / scale;
      this.#b[i] = (this.#b[i] as number) + y * vi;
      for (let q = 0; q < x.nnz; q++) {
        const at = i * stride + (x.index[q] as number);
        this.#a[at] = (this.#a[at] as number) + vi * (x.value[q] as number);
      }
    }
    const error = (y - this.predict(x)) / rootScale;
    const denominator = shermanMorrisonUpdate(
      this.#inverse,
      this.#dimension,
      stride,
      x.index,
      x.value,
      x.nnz,
      1 / rootScale,
      this.#product,
    );
    const step = error / denominator;
    for (let i = 0; i < this.#dimension; i++) this.#theta[i] = (this.#theta[i] as number) + (this.#product[i] as number) * step;
    this.#updates++;
    if (++this.#sinceRefresh >= Math.max(64, this.#dimension)) this.refresh();
  }

  /**
   * Restores the full λ·I prior and recomputes A⁻¹ and θ exactly from A (O(d³)). When A's
   * factorisation finds it singular, which a regularised A can be only in floating point (the
   * features' correlations within 10⁻¹² of a dependent set), nothing changes: the incrementally
   * updated A⁻¹ and θ stay, and the next refresh tries again. Inverting such a factor would divide
   * by zero and turn the model to NaN.
   */
  refresh(): void {
    this.#sinceRefresh = 0;
    const d = this.#dimension;
    const stride = this.#stride;
    if (this.#diagonal.length < d) this.#diagonal = new Float64Array(stride);
    for (let j = 0; j < d; j++) {
      const at = j * stride + j;
      this.#diagonal[j] = this.#a[at] as number;
      this.#a[at] = (this.#a[at] as number) + (this.#ridgeOf[j] as number) / this.#scale - (this.#regulariser[j] as number);
    }
    if (!this.#invert()) {
      for (let j = 0; j < d; j++) this.#a[j * stride + j] = this.#diagonal[j] as number;
      return;
    }
    for (let j = 0; j < d; j++) this.#regulariser[j] = (this.#ridgeOf[j] as number) / this.#scale;
    for (let i = 0; i < d; i++) {
      let sum = 0;
      const row = i * stride;
      for (let j = 0; j < d; j++) sum += (this.#inverse[row + j] as number) * (this.#b[j] as number);
      this.#theta[i] = sum;
    }
  }

  /**
   * A⁻¹ from A, by Cholesky (O(d³)) of A equilibrated to a unit diagonal: with S = diag(1/√aⱼⱼ),
   * A⁻¹ = S·(S·A·S)⁻¹·S. The factorisation's pivot floor is relative to the largest diagonal
   * entry, so on A itself a feature whose square is 10¹² times smaller than another's (a bias of
   * ~1 beside a job cost of ~10⁸) reads as singular although A is positive definite; equilibrated,
   * only a truly (numerically) dependent set of features does. False, leaving A⁻¹ as it was, when
   * the factor is singular or a diagonal entry is not positive.
   */
  #invert(): boolean {
    const d = this.#dimension;
    if (d === 0) return true;
    const stride = this.#stride;
    if (this.#factor.length < stride * stride) this.#factor = new Float64Array(stride * stride);
    if (this.#equilibrate.length < stride) this.#equilibrate = new Float64Array(stride);
    const a = this.#a;
    const factor = this.#factor;
    const s = this.#equilibrate;
    for (let j = 0; j < d; j++) {
      const diagonal = a[j * stride + j] as number;
      if (!(diagonal > 0) || diagonal === Number.POSITIVE_INFINITY) return false;
      s[j] = 1 / Math.sqrt(diagonal);
    }
    for (let i = 0; i < d; i++) {
      const row = i * stride;
      const si = s[i] as number;
      for (let j = 0; j < d; j++) factor[row + j] = (a[row + j] as number) * si * (s[j] as number);
    }
    if (choleskyLower(factor, d, stride, factor) < d) return false;
    const inverse = this.#inverse;
    inverseFromCholesky(factor, d, stride, inverse, this.#product);
    for (let i = 0; i < d; i++) {
      const row = i * stride;
      const si = s[i] as number;
      for (let j = 0; j < d; j++) inverse[row + j] = (inverse[row + j] as number) * si * (s[j] as number);
    }
    return true;
  }

  #factor = new Float64Array(0);
  /** S's diagonal, 1/√aⱼⱼ, while inverting. */
  #equilibrate = new Float64Array(0);
  /** A's diagonal before a refresh, to put back when the refresh cannot invert. */
  #diagonal = new Float64Array(0);

  toJSON(): RidgeRegressionSnapshot {
    const d = this.#dimension;
    const stride = this.#stride;
    const scale = this.#scale;
    const a: number[] = [];
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) a.push((this.#a[i * stride + j] as number) * scale);
    const b: number[] = [];
    const regulariser: number[] = [];
    for (let i = 0; i < d; i++) {
      b.push((this.#b[i] as number) * scale);
      regulariser.push((this.#regulariser[i] as number) * scale);
    }
    return {
      dimension: d,
      a,
      b,
      regulariser,
      theta: Array.from(this.#theta.subarray(0, d)),
      updates: this.#updates,
      since_refresh: this.#sinceRefresh,
    };
  }

  /** Restores a snapshot written by `toJSON` into this (empty) model; `field` names it in errors. */
  restore(snapshot: unknown, field: string): void {
    const s = snapshot as Partial<RidgeRegressionSnapshot> | null;
    const d = s?.dimension;
    if (typeof s !== "object" || s === null || !Number.isSafeInteger(d) || (d as number) < 0) {
      throw ValidationError.forField(`${field}.dimension`, "must be a whole number ≥ 0 (a ridge regression snapshot)");
    }
    const dimension = d as number;
    const finiteArray = (value: unknown, length: number, name: string): number[] => {
      if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw ValidationError.forField(`${field}.${name}`, `must be an array of ${length} finite numbers`);
      }
      return value as number[];
    };
    const a = finiteArray(s.a, (dimension * (dimension + 1)) / 2, "a");
    const b = finiteArray(s.b, dimension, "b");
    const regulariser = finiteArray(s.regulariser, dimension, "regulariser");
    const theta = finiteArray(s.theta, dimension, "theta");
    for (const name of ["updates", "since_refresh"] as const) {
      if (!Number.isSafeInteger(s[name]) || (s[name] as number) < 0) {
        throw ValidationError.forField(`${field}.${name}`, "must be a whole number ≥ 0");
      }
    }
    this.ensureDimension(dimension);
    this.#scale = 1;
    const stride = this.#stride;
    let at = 0;
    for (let i = 0; i < dimension; i++) {
      for (let j = 0; j <= i; j++) {
        const value = a[at++] as number;
        this.#a[i * stride + j] = value;
        this.#a[j * stride + i] = value;
      }
      this.#b[i] = b[i] as number;
      this.#theta[i] = theta[i] as number;
      this.#regulariser[i] = regulariser[i] as number;
      if (!((regulariser[i] as number) > 0)) throw ValidationError.forField(`${field}.regulariser[${i}]`, "must be > 0");
      // A Gram matrix plus a positive prior has a positive diagonal; a matrix without one is no saved model's.
      if (!((this.#a[i * stride + i] as number) > 0)) {
        throw ValidationError.forField(
          `${field}.a`,
          `must be positive definite: its diagonal entry ${i} is ${this.#a[i * stride + i]}`,
        );
      }
    }
    this.#updates = s.updates as number;
    this.#sinceRefresh = s.since_refresh as number;
    this.#invert();
  }

  #rescale(): void {
    const scale = this.#scale;
    const d = this.#dimension;
    const stride = this.#stride;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        this.#a[i * stride + j] = (this.#a[i * stride + j] as number) * scale;
        this.#inverse[i * stride + j] = (this.#inverse[i * stride + j] as number) / scale;
      }
      this.#b[i] = (this.#b[i] as number) * scale;
      this.#regulariser[i] = (this.#regulariser[i] as number) * scale;
    }
    this.#scale = 1;
  }

  #grow(stride: number): void {
    const old = this.#stride;
    const d = this.#dimension;
    const a = new Float64Array(stride * stride);
    const inverse = new Float64Array(stride * stride);
    for (let i = 0; i < d; i++) {
      a.set(this.#a.subarray(i * old, i * old + d), i * stride);
      inverse.set(this.#inverse.subarray(i * old, i * old + d), i * stride);
    }
    this.#a = a;
    this.#inverse = inverse;
    const widen = (v: Float64Array) => {
      const grown = new Float64Array(stride);
      grown.set(v.subarray(0, d));
      return grown;
    };
    this.#b = widen(this.#b);
    this.#theta = widen(this.#theta);
    this.#regulariser = widen(this.#regulariser);
    this.#ridgeOf = widen(this.#ridgeOf);
    this.#product = new Float64Array(stride);
    this.#stride = stride;
  }
}
