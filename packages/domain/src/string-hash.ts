/**
 * A seeded 32-bit hash of a string's UTF-16 units: multiply–xor per unit (FNV-1a's step, from the
 * basis `seed ^ length`), then murmur3's finaliser, so that strings differing only in their last
 * units spread over a table's low bits. For in-memory hash tables with a random seed each, not
 * for anything stored.
 */
export function seededStringHash(seed: number, text: string): number {
  let h = seed ^ text.length;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A seeded 64-bit fingerprint of a string's UTF-16 units, as two 32-bit halves written to
 * `out[0]` and `out[1]` (no allocation): the first is `seededStringHash(seedA, text)`, the second
 * an independent multiply–xorshift hash from `seedB` with its own finaliser. Two strings share a
 * fingerprint with probability about 2⁻⁶⁴, so sets of many keys can keep fingerprints instead of
 * the keys. Snapshots store these values: the function must never change.
 */
export function stringFingerprint(seedA: number, seedB: number, text: string, out: Int32Array): void {
  let a = seedA ^ text.length;
  let b = seedB;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  out[0] = a ^ (a >>> 16);
  b ^= b >>> 16;
  b = Math.imul(b, 0x7feb352d);
  b ^= b >>> 15;
  b = Math.imul(b, 0x846ca68b);
  out[1] = b ^ (b >>> 16);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * `values[from, to)` as little-endian bytes, the order snapshots store fingerprint columns in (a
 * view of the same memory on a little-endian machine, a copy otherwise).
 */
export function int32LittleEndian(values: Int32Array, from: number, to: number): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset + 4 * from, 4 * (to - from));
  const bytes = Buffer.alloc(4 * (to - from));
  for (let i = from; i < to; i++) bytes.writeInt32LE(values[i] as number, 4 * (i - from));
  return bytes;
}
