import type { AuditRecord } from "./engine-store.js";
import { type ChainBreak, GENESIS_HASH, linkHash } from "./hash-chain.js";

/** An audit record as stored: numbered and chained to the one before by hash. */
export interface ChainedAuditRecord {
  seq: number;
  prev: string;
  record: AuditRecord;
  hash: string;
}

/** Links audit records one after another; holds only the last hash and number. */
export class AuditChain {
  #seq: number;
  #prev: string;

  constructor(last?: { seq: number; hash: string }) {
    this.#seq = last?.seq ?? 0;
    this.#prev = last?.hash ?? GENESIS_HASH;
  }

  get last(): { seq: number; hash: string } {
    return { seq: this.#seq, hash: this.#prev };
  }

  link(record: AuditRecord): ChainedAuditRecord {
    const seq = this.#seq + 1;
    const prev = this.#prev;
    const hash = linkHash({ seq, prev, record });
    this.#seq = seq;
    this.#prev = hash;
    return { seq, prev, record, hash };
  }
}

/**
 * Checks audit records in order: each hash matches its fields, each `prev` is the hash of the one
 * before, numbers rise by one. Returns the first broken link, or `null`.
 */
export function verifyAuditChain(
  records: Iterable<ChainedAuditRecord>,
  firstPrev: string | null = GENESIS_HASH,
): ChainBreak | null {
  let prev: string | undefined = firstPrev ?? undefined;
  let seq: number | undefined;
  let index = 0;
  for (const { seq: n, prev: p, record, hash } of records) {
    const name = `audit record ${n}`;
    if (linkHash({ seq: n, prev: p, record }) !== hash)
      return { index, reason: `${name}: its hash does not match its content (edited?)` };
    if (prev !== undefined && p !== prev)
      return { index, reason: `${name}: prev is not the hash of the record before it (removed or reordered?)` };
    if (seq !== undefined && n !== seq + 1) return { index, reason: `${name}: follows record ${seq} (a record is missing)` };
    prev = hash;
    seq = n;
    index++;
  }
  return null;
}
