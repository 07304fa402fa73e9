import type { Anomaly, AuditEntry } from "@aurora/auditor";
import type { AuditRecord } from "./engine-store.js";
import { type ChainBreak, canonicalJson, GENESIS_HASH, linkHash, sha256Hex } from "./hash-chain.js";
import { jsonString, jsonStringArray } from "./json-string.js";

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
    const hash = sha256Hex(canonicalLinkFields(seq, prev, record));
    this.#seq = seq;
    this.#prev = hash;
    return { seq, prev, record, hash };
  }

  /**
   * Links `record` and returns the JSON text of the chained record, `{ hash, prev, record, seq }`
   * with keys sorted: the canonical text the hash covers with `hash` put first, so the record is
   * serialized once for both hashing and storing.
   */
  linkJson(record: AuditRecord): string {
    const seq = this.#seq + 1;
    const canonical = canonicalLinkFields(seq, this.#prev, record);
    const hash = sha256Hex(canonical);
    this.#seq = seq;
    this.#prev = hash;
    return `{"hash":"${hash}",${canonical.slice(1)}`;
  }
}

/**
 * `canonicalJson({ seq, prev, record })`, the text a link's hash covers. Audit entries and
 * anomalies have a fixed shape, so their canonical text is written field by field in sorted key
 * order; anything else (an extra or missing field, a field of another type) goes through the
 * general `canonicalJson`. Both give the same text, so the hashes verify either way.
 */
export function canonicalLinkFields(seq: number, prev: string, record: AuditRecord): string {
  const fast = canonicalRecord(record);
  if (fast === undefined || typeof prev !== "string" || !Number.isSafeInteger(seq)) return canonicalJson({ seq, prev, record });
  return `{"prev":${jsonString(prev)},"record":${fast},"seq":${seq}}`;
}

function canonicalRecord(record: AuditRecord): string | undefined {
  if (ownKeys(record) !== 2) return undefined;
  if (record.kind === "entry") {
    const entry = canonicalEntry(record.entry);
    return entry === undefined ? undefined : `{"entry":${entry},"kind":"entry"}`;
  }
  if (record.kind === "anomaly") {
    const anomaly = canonicalAnomaly(record.anomaly);
    return anomaly === undefined ? undefined : `{"anomaly":${anomaly},"kind":"anomaly"}`;
  }
  return undefined;
}

function canonicalEntry(entry: AuditEntry): string | undefined {
  if (typeof entry !== "object" || entry === null || ownKeys(entry) !== 7) return undefined;
  const { decision_id, notes, provider_id, state_key, status, timestamp, violations } = entry;
  if (
    typeof decision_id !== "string" ||
    (provider_id !== null && typeof provider_id !== "string") ||
    typeof state_key !== "string" ||
    typeof status !== "string" ||
    typeof timestamp !== "string" ||
    !isStringArray(notes) ||
    !isStringArray(violations)
  ) {
    return undefined;
  }
  return (
    `{"decision_id":${jsonString(decision_id)},"notes":${jsonStringArray(notes)},` +
    `"provider_id":${provider_id === null ? "null" : jsonString(provider_id)},"state_key":${jsonString(state_key)},` +
    `"status":${jsonString(status)},"timestamp":${jsonString(timestamp)},"violations":${jsonStringArray(violations)}}`
  );
}

function canonicalAnomaly(anomaly: Anomaly): string | undefined {
  if (typeof anomaly !== "object" || anomaly === null || ownKeys(anomaly) !== 8) return undefined;
  const { decision_id, kind, note, provider_id, state_key, threshold, timestamp, value } = anomaly;
  if (
    typeof decision_id !== "string" ||
    typeof kind !== "string" ||
    typeof note !== "string" ||
    typeof provider_id !== "string" ||
    typeof state_key !== "string" ||
    typeof threshold !== "number" ||
    typeof timestamp !== "string" ||
    typeof value !== "number"
  ) {
    return undefined;
  }
  return (
    `{"decision_id":${jsonString(decision_id)},"kind":${jsonString(kind)},"note":${jsonString(note)},` +
    `"provider_id":${jsonString(provider_id)},"state_key":${jsonString(state_key)},` +
    `"threshold":${JSON.stringify(threshold)},"timestamp":${jsonString(timestamp)},"value":${JSON.stringify(value)}}`
  );
}

/** Own enumerable keys, as `Object.keys(value).length` counts them, without building the array. */
function ownKeys(value: object): number {
  let count = 0;
  for (const key in value) if (Object.hasOwn(value, key)) count++;
  return count;
}

/** A dense array of strings: its JSON text is its canonical text. */
function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (typeof value[i] !== "string") return false;
  return true;
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
