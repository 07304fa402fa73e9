#!/usr/bin/env node
import { verifyFileStore } from "./verify-file-store.js";

const args = process.argv.slice(2);
const json = args.includes("--json");
const paths = args.filter((arg) => arg !== "--json");
if (paths.length !== 1 || paths[0] === "--help" || paths[0] === "-h") {
  process.stderr.write(
    "usage: aurora-verify <modelPath> [--json]\n" +
      "Checks the model's receipt chain, its snapshots against their receipts, the hash-chained audit trail and the journal checksums.\n" +
      "Exit status: 0 intact, 1 a broken link (named), 2 usage.\n",
  );
  process.exit(2);
}
const report = verifyFileStore(paths[0] as string);
if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  for (const note of report.notes) process.stdout.write(`  ${note}\n`);
  process.stdout.write(report.ok ? "intact: every link holds\n" : `BROKEN (${report.broken?.part}): ${report.broken?.reason}\n`);
}
process.exit(report.ok ? 0 : 1);
