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
