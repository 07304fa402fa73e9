import { readFileSync } from "node:fs";
import { AuroraError } from "@aurora/domain";
import { GENESIS_HASH } from "./hash-chain.js";
import { writeFileAtomicSync } from "./model-file.js";

/** Where the receipt chain begins after the store pruned the receipts before it. */
export interface ReceiptsAnchor {
  /** The first receipt kept. */
  version: number;
  /** Its `prev`: the hash of the newest receipt removed. */
  prev: string;
  pruned_at: string;
}

/** Where the audit trail begins after the store removed the segments before it (retention). */
export interface AuditAnchor {
  /** The first segment kept. */
  segment: number;
  /** Its first record's `seq` (the next record's, when the segment is still empty)… */
  seq: number;
  /** …and that record's `prev`: the hash of the newest record removed. */
  prev: string;
  pruned_at: string;
}

/**
 * `<modelPath>.anchors`: what the file store removed on purpose, so that `aurora-verify` can tell
 * a pruned chain from one whose beginning was lost. Rewritten whole (temporary file, fsync,
 * rename) before anything is removed: a crash between the two leaves files the anchor already
 * allows to be gone, never a removal the anchor does not name.
 */
export interface StoreAnchors {
  receipts?: ReceiptsAnchor;
  audit?: AuditAnchor;
}

/** The anchors file could not be read as the store writes it. */
export class AnchorsFileError extends AuroraError {
  readonly path: string;

  constructor(path: string, reason: string) {
    super("ANCHORS_FILE", `${path} ${reason}`);
    this.path = path;
  }
}

/** The anchors at `path`; none when the file is missing (nothing was ever pruned). */
export function readAnchors(path: string): StoreAnchors {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new AnchorsFileError(path, `cannot be read (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AnchorsFileError(path, "is not valid JSON (damaged or edited?)");
  }
  if (!isObject(value)) throw new AnchorsFileError(path, "is not a JSON object (damaged or edited?)");
  const anchors: StoreAnchors = {};
  if (value.receipts !== undefined) {
    const r = value.receipts;
    if (!isObject(r) || !isCount(r.version) || !isHash(r.prev) || typeof r.pruned_at !== "string") {
      throw new AnchorsFileError(path, `has a receipts anchor that is not { version, prev, pruned_at }: ${JSON.stringify(r)}`);
    }
    anchors.receipts = { version: r.version, prev: r.prev, pruned_at: r.pruned_at };
  }
  if (value.audit !== undefined) {
    const a = value.audit;
    if (!isObject(a) || !isCount(a.segment) || !isCount(a.seq) || !isHash(a.prev) || typeof a.pruned_at !== "string") {
      throw new AnchorsFileError(path, `has an audit anchor that is not { segment, seq, prev, pruned_at }: ${JSON.stringify(a)}`);
    }
    anchors.audit = { segment: a.segment, seq: a.seq, prev: a.prev, pruned_at: a.pruned_at };
  }
  return anchors;
}

/** Replaces the anchors file atomically and durably. */
export function writeAnchors(path: string, anchors: StoreAnchors): void {
  writeFileAtomicSync(path, `${JSON.stringify(anchors)}\n`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

function isHash(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value) && value !== GENESIS_HASH;
}
