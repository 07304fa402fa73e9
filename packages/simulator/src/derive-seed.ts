/**
 * Mixes a run's seed with coordinates (a stream tag, a step, a provider index) into an
 * independent 32-bit seed, so any draw can be made on its own (random access) and the same
 * coordinates give the same numbers whatever happened before. Each part goes through
 * MurmurHash3's 32-bit finaliser (Austin Appleby, public domain).
 */
export function deriveSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Keep the high bits of seeds beyond 32 bits instead of dropping them.
    h = fmix32(h ^ (part >>> 0));
    h = fmix32(h ^ (Math.floor(part / 0x1_0000_0000) >>> 0));
  }
  return h >>> 0;
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
