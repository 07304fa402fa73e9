/**
 * Sherman–Morrison rank-1 update of an inverse, for a sparse vector u = scale·x:
 *   (A + u·uᵀ)⁻¹ = A⁻¹ − (A⁻¹u)(A⁻¹u)ᵀ / (1 + uᵀA⁻¹u).
 * `inverse` is the symmetric d×d matrix A⁻¹ (row-major, row length `stride`), updated in
 * place in O(d²); x is given by its `nnz` nonzero entries (`index`, `value`). Writes A⁻¹u
 * (before the update) into `product` and returns 1 + uᵀA⁻¹u.
 */
export function shermanMorrisonUpdate(
  inverse: Float64Array,
  d: number,
  stride: number,
  index: Int32Array,
  value: Float64Array,
  nnz: number,
  scale: number,
  product: Float64Array,
): number {
  for (let i = 0; i < d; i++) {
    const row = i * stride;
    let sum = 0;
    for (let k = 0; k < nnz; k++) sum += (inverse[row + (index[k] as number)] as number) * (value[k] as number);
    product[i] = sum * scale;
  }
  let quadratic = 0;
  for (let k = 0; k < nnz; k++) quadratic += (product[index[k] as number] as number) * (value[k] as number);
  const denominator = 1 + quadratic * scale;
  for (let i = 0; i < d; i++) {
    const row = i * stride;
    const factor = (product[i] as number) / denominator;
    if (factor === 0) continue;
    for (let j = 0; j < d; j++) inverse[row + j] = (inverse[row + j] as number) - factor * (product[j] as number);
  }
  return denominator;
}

/** xᵀ·M·y for sparse x and y and a symmetric matrix M (row length `stride`). */
export function sparseQuadratic(
  matrix: Float64Array,
  stride: number,
  xIndex: Int32Array,
  xValue: Float64Array,
  xNnz: number,
  yIndex: Int32Array,
  yValue: Float64Array,
  yNnz: number,
): number {
  let sum = 0;
  for (let a = 0; a < xNnz; a++) {
    const row = (xIndex[a] as number) * stride;
    let inner = 0;
    for (let b = 0; b < yNnz; b++) inner += (matrix[row + (yIndex[b] as number)] as number) * (yValue[b] as number);
    sum += inner * (xValue[a] as number);
  }
  return sum;
}
