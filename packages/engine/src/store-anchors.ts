import { readFileSync } from "node:fs";
import { AuroraError, formatPath } from "@aurora/domain";
import { z } from "zod";
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

const count = z.number().int().min(1);
/** A link's hash, never the genesis one: an anchor is written only after something was removed. */
const hash = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .refine((value) => value !== GENESIS_HASH, { error: "is the genesis hash" });
const anchorsSchema = z.object({
  receipts: z.object({ version: count, prev: hash, pruned_at: z.string() }).optional(),
  audit: z.object({ segment: count, seq: count, prev: hash, pruned_at: z.string() }).optional(),
});

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
  const parsed = anchorsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? ` (${formatPath(issue.path)}: ${issue.message})` : "";
    throw new AnchorsFileError(path, `is not the anchors the store writes${field}: damaged or edited?`);
  }
  const { receipts, audit } = parsed.data;
  return { ...(receipts ? { receipts } : {}), ...(audit ? { audit } : {}) };
}

/** Replaces the anchors file atomically and durably. */
export function writeAnchors(path: string, anchors: StoreAnchors): void {
  writeFileAtomicSync(path, `${JSON.stringify(anchors)}\n`);
}
