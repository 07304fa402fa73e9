#!/usr/bin/env node
import { NotAFileStoreError, type VerifyReport, verifyFileStore } from "./verify-file-store.js";

const USAGE =
  "usage: aurora-verify <modelPath> [--json]\n" +
  "Checks the model's receipt chain, its snapshots against their receipts, the hash-chained audit trail, and that the journal replays as a restart would.\n" +
  "Exit status: 0 intact, 1 a broken link (named), 2 usage (no file store at the path, or a path it cannot reach or read).\n";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const json = args.includes("--json");
const paths = args.filter((arg) => arg !== "--json");
if (paths.length !== 1) {
  process.stderr.write(USAGE);
  process.exit(2);
}
let report: VerifyReport;
try {
  report = verifyFileStore(paths[0] as string);
} catch (error) {
  const { code, syscall, path } = (error ?? {}) as NodeJS.ErrnoException;
  // The path itself cannot be reached or listed (not a folder on the way, no permission): not a broken link.
  if (typeof code === "string" && typeof syscall === "string") {
    process.stderr.write(`aurora-verify: cannot ${syscall} ${path ?? paths[0]} (${code})\n`);
    process.exit(2);
  }
  if (!(error instanceof NotAFileStoreError)) throw error;
  process.stderr.write(`aurora-verify: ${error.message}\n${USAGE}`);
  process.exit(2);
}
if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  for (const note of report.notes) process.stdout.write(`  ${note}\n`);
  process.stdout.write(report.ok ? "intact: every link holds\n" : `BROKEN (${report.broken?.part}): ${report.broken?.reason}\n`);
}
process.exit(report.ok ? 0 : 1);
