import * as crypto from "node:crypto";

/** The `prev` of the first link of a chain. */
export const GENESIS_HASH = "0".repeat(64);

type OneShotHash = (algorithm: string, data: string | Uint8Array, outputEncoding: "hex") => string;
// crypto.hash (Node ≥ 20.12) hashes in one call, without a Hash object per link; older Node 20 releases use createHash.
const oneShot = (crypto as { hash?: OneShotHash }).hash;

export function sha256Hex(data: string | Uint8Array): string {
  if (oneShot) return oneShot("sha256", data, "hex");
  return crypto.createHash("sha256").update(data).digest("hex");
}

/**
 * JSON with object keys sorted at every level, so the same value always hashes the same
 * whatever order its keys were built in (RFC 8785 in spirit; numbers as JavaScript prints them).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(",")}]`;
  const keys = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(",")}}`;
}

/** The hash of one link: SHA-256 of the canonical JSON of its fields (which include `prev`). */
export function linkHash(fields: object): string {
  return sha256Hex(canonicalJson(fields));
}

/** Where a chain first breaks, or `null` when every link holds. */
export interface ChainBreak {
  /** Position of the first bad link (0-based) in what was checked. */
  index: number;
  /** What is wrong, naming the link. */
  reason: string;
}
