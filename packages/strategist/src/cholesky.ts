/**
 * Cholesky factorisation of a symmetric positive semi-definite n×n matrix stored row-major
 * with row length `stride`: writes the lower factor L (A = L·Lᵀ) into `out` (same layout; the
 * upper triangle is zeroed). A pivot at or below `tolerance` times the largest diagonal entry
 * is taken as 0 and its column zeroed, so a rank-deficient covariance still factors (its
 * draws then simply have no spread along the missing directions). `a` and `out` may be the
 * same array. Returns the rank found.
 */
export function choleskyLower(a: Float64Array, n: number, stride: number, out: Float64Array, tolerance = 1e-12): number {
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(a[i * stride + i] as number));
  const floor = largest * tolerance;
  let rank = 0;
  for (let j = 0; j < n; j++) {
    const rowJ = j * stride;
    let diagonal = a[rowJ + j] as number;
    for (let k = 0; k < j; k++) {
      const l = out[rowJ + k] as number;
      diagonal -= l * l;
    }
    const pivot = diagonal > floor ? Math.sqrt(diagonal) : 0;
    out[rowJ + j] = pivot;
    if (pivot > 0) rank++;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * stride;
      if (pivot === 0) {
        out[rowI + j] = 0;
        continue;
      }
      let sum = a[rowI + j] as number;
      for (let k = 0; k < j; k++) sum -= (out[rowI + k] as number) * (out[rowJ + k] as number);
      out[rowI + j] = sum / pivot;
    }
    for (let k = j + 1; k < n; k++) out[rowJ + k] = 0;
  }
  return rank;
}

/**
 * The inverse of a symmetric positive definite matrix from its Cholesky factor L (as
 * {@link choleskyLower} writes it): A⁻¹ = L⁻ᵀ·L⁻¹, written into `out` (n×n, row length
 * `stride`, symmetric). `scratch` needs n entries. L must have a nonzero diagonal.
 */
export function inverseFromCholesky(l: Float64Array, n: number, stride: number, out: Float64Array, scratch: Float64Array): void {
  // Column by column: solve L·y = e_c, then Lᵀ·x = y; x is column c of A⁻¹.
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let sum = i === c ? 1 : 0;
      const row = i * stride;
      for (let k = c; k < i; k++) sum -= (l[row + k] as number) * (scratch[k] as number);
      scratch[i] = i < c ? 0 : sum / (l[row + i] as number);
    }
    for (let i = n - 1; i >= c; i--) {
      let sum = scratch[i] as number;
      for (let k = i + 1; k < n; k++) sum -= (l[k * stride + i] as number) * (out[k * stride + c] as number);
      out[i * stride + c] = sum / (l[i * stride + i] as number);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[j * stride + i] = out[i * stride + j] as number;
}
