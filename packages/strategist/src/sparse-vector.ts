/** A sparse feature vector, reused from call to call: `nnz` (index, value) pairs. */
export class SparseVector {
  index: Int32Array;
  value: Float64Array;
  nnz = 0;

  constructor(capacity = 16) {
    this.index = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
  }

  clear(): void {
    this.nnz = 0;
  }

  push(index: number, value: number): void {
    if (this.nnz === this.index.length) {
      const grownIndex = new Int32Array(this.nnz * 2);
      const grownValue = new Float64Array(this.nnz * 2);
      grownIndex.set(this.index);
      grownValue.set(this.value);
      this.index = grownIndex;
      this.value = grownValue;
    }
    this.index[this.nnz] = index;
    this.value[this.nnz] = value;
    this.nnz++;
  }

  /** Copies another vector's entries into this one. */
  copyFrom(other: SparseVector): void {
    this.clear();
    for (let k = 0; k < other.nnz; k++) this.push(other.index[k] as number, other.value[k] as number);
  }

  /** Σ weights[index]·value. */
  dot(weights: Float64Array): number {
    let sum = 0;
    for (let k = 0; k < this.nnz; k++) sum += (weights[this.index[k] as number] as number) * (this.value[k] as number);
    return sum;
  }
}
