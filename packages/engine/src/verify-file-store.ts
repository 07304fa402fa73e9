import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ChainedAuditRecord } from "./audit-chain.js";
import { verifyAuditChain } from "./audit-chain.js";
import type { Receipt } from "./engine-store.js";
import { fileStorePaths } from "./file-store.js";
import { GENESIS_HASH, sha256Hex } from "./hash-chain.js";
import { listSegments, readFramedFile, segmentName } from "./journal.js";
import { verifyReceiptChain } from "./receipt.js";

/** What `aurora-verify` found. `broken` names the first broken link; `notes` says what was checked. */
export interface VerifyReport {
  ok: boolean;
  broken: { part: "receipts" | "snapshot" | "audit" | "journal"; reason: string } | null;
  notes: string[];
}

/**
 * Checks a file store without changing it: the receipt chain, each snapshot present (current and
 * previous) against its receipt, the audit trail's hash chain across its segments, and every
 * journal record's checksum. Stops at the first broken link.
 */
export function verifyFileStore(path: string): VerifyReport {
  const paths = fileStorePaths(path);
  const notes: string[] = [];
  const fail = (part: NonNullable<VerifyReport["broken"]>["part"], reason: string): VerifyReport => ({
    ok: false,
    broken: { part, reason },
    notes,
  });
  const log = (message: string) => notes.push(message);
  try {
    const receipts = readFramedFile(paths.receipts, { last: true, repair: false, log }).records as Receipt[];
    const chainBreak = verifyReceiptChain(receipts);
    if (chainBreak) return fail("receipts", chainBreak.reason);
    notes.push(`receipts: ${receipts.length} linked, newest version ${receipts.at(-1)?.version ?? "none"}`);

    for (const file of [paths.snapshot, paths.previous]) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        continue;
      }
      let version: unknown;
      try {
        version = (JSON.parse(bytes.toString("utf8")) as { model_version?: unknown }).model_version;
      } catch {
        return fail("snapshot", `${file} is not valid JSON (torn or altered)`);
      }
      if (version === undefined) {
        notes.push(`${file}: no model_version (a file written before receipts, or the Python engine's): not checked`);
        continue;
      }
      const receipt = receipts.find((r) => r.version === version);
      if (!receipt) return fail("snapshot", `${file} says it is version ${String(version)}, but no receipt has that version`);
      const sha256 = sha256Hex(bytes);
      if (sha256 !== receipt.sha256) {
        return fail(
          "snapshot",
          `${file} (version ${String(version)}) hashes to ${sha256}, not ${receipt.sha256} as its receipt says`,
        );
      }
      notes.push(`${file}: version ${String(version)} matches its receipt`);
    }

    const auditSegments = listSegments(paths.audit);
    const records: ChainedAuditRecord[] = [];
    auditSegments.forEach((segment, i) => {
      const read = readFramedFile(join(paths.audit, segmentName(segment)), {
        last: i === auditSegments.length - 1,
        repair: false,
        log,
      });
      for (const record of read.records) records.push(record as ChainedAuditRecord);
    });
    const first = records[0];
    const auditBreak = verifyAuditChain(records, first && first.seq !== 1 ? null : GENESIS_HASH);
    if (auditBreak) return fail("audit", auditBreak.reason);
    if (first && first.seq !== 1) notes.push(`audit: starts at record ${first.seq} (older segments removed)`);
    notes.push(`audit: ${records.length} records linked`);

    const journalSegments = listSegments(paths.journal);
    let events = 0;
    journalSegments.forEach((segment, i) => {
      events += readFramedFile(join(paths.journal, segmentName(segment)), {
        last: i === journalSegments.length - 1,
        repair: false,
        log,
      }).records.length;
    });
    notes.push(`journal: ${journalSegments.length} segment(s), ${events} records with good checksums`);
  } catch (error) {
    const message = (error as Error).message;
    return fail(message.includes("audit") ? "audit" : message.includes("receipts") ? "receipts" : "journal", message);
  }
  return { ok: true, broken: null, notes };
}
