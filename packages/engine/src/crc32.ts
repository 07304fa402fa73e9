import * as zlib from "node:zlib";

let table: Uint32Array | undefined;

function crc32Table(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** The table-driven CRC-32 in JavaScript: the fallback where `zlib.crc32` is missing. */
export function crc32Portable(data: string | Uint8Array): number {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  table ??= crc32Table();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (table[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// zlib.crc32 arrived in Node 20.15 (native, several times faster); older Node 20 releases use the table.
const native = (zlib as { crc32?: (data: string | Uint8Array) => number }).crc32;

/** CRC-32 (IEEE 802.3, as zlib and PNG use it) of UTF-8 text or bytes, as an unsigned integer. */
export const crc32: (data: string | Uint8Array) => number = native ?? crc32Portable;
