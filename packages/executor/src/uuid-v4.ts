import { randomFillSync } from "node:crypto";

/** UUIDs made per refill of the random pool. */
const BATCH = 256;
const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");

/**
 * A source of random (version 4, RFC 9562) UUIDs, like `crypto.randomUUID`, with 122 bits from
 * the CSPRNG in each, so decision ids stay unguessable. It is cheaper and leaner:
 * `crypto.randomUUID()` returns a string concatenated from 14 parts, which V8 keeps as a rope of
 * ~450 bytes (a flat copy is 56) and hashes slowly; held by the executor's memory of finished
 * decisions, those ropes were most of the heap and of the garbage collector's work. Here the text
 * of 256 UUIDs is written at once and each is returned as a flat string.
 */
export function createUuidV4Source(): () => string {
  const random = Buffer.allocUnsafe(16 * BATCH);
  const text = Buffer.allocUnsafe(36 * BATCH);
  let next = BATCH;
  const refill = (): void => {
    randomFillSync(random);
    let at = 0;
    for (let u = 0; u < BATCH; u++) {
      const r = u * 16;
      random[r + 6] = ((random[r + 6] as number) & 0x0f) | 0x40; // version 4
      random[r + 8] = ((random[r + 8] as number) & 0x3f) | 0x80; // variant 10
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = 0x2d; // "-"
        const byte = random[r + i] as number;
        text[at++] = HEX_DIGITS[byte >> 4] as number;
        text[at++] = HEX_DIGITS[byte & 15] as number;
      }
    }
    next = 0;
  };
  return () => {
    if (next === BATCH) refill();
    const start = 36 * next++;
    return text.toString("latin1", start, start + 36);
  };
}
