import type { Receipt } from "./engine-store.js";
import { type ChainBreak, GENESIS_HASH, linkHash } from "./hash-chain.js";

/** Builds the receipt of a new snapshot, chained to `previous` (the newest receipt so far). */
export function makeReceipt(previous: Receipt | undefined, content: { sha256: string; bytes: number }, savedAt: string): Receipt {
  const fields = {
    version: (previous?.version ?? 0) + 1,
    sha256: content.sha256,
    bytes: content.bytes,
    prev: previous?.hash ?? GENESIS_HASH,
    saved_at: savedAt,
  };
  return { ...fields, hash: receiptHash(fields) };
}

export function receiptHash(receipt: Omit<Receipt, "hash">): string {
  const { version, sha256, bytes, prev, saved_at } = receipt;
  return linkHash({ version, sha256, bytes, prev, saved_at });
}

/**
 * Checks a receipt chain, oldest first: each receipt's hash matches its fields, each `prev` is the
 * hash of the one before, versions rise by one. `firstPrev` is the `prev` the first receipt must
 * carry: genesis, or `null` to trust it (older receipts pruned). Returns the first broken link, or `null`.
 */
export function verifyReceiptChain(receipts: readonly Receipt[], firstPrev: string | null = GENESIS_HASH): ChainBreak | null {
  let prev: string | undefined = firstPrev ?? undefined;
  let version: number | undefined;
  for (let index = 0; index < receipts.length; index++) {
    const receipt = receipts[index] as Receipt;
    const name = `receipt ${index + 1} (version ${receipt.version})`;
    if (receiptHash(receipt) !== receipt.hash) return { index, reason: `${name}: its hash does not match its fields (edited?)` };
    if (prev !== undefined && receipt.prev !== prev) {
      return { index, reason: `${name}: prev ${receipt.prev.slice(0, 12)}… is not the hash of the receipt before it` };
    }
    if (version !== undefined && receipt.version !== version + 1) {
      return { index, reason: `${name}: follows version ${version} (a receipt is missing or repeated)` };
    }
    prev = receipt.hash;
    version = receipt.version;
  }
  return null;
}
