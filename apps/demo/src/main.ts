#!/usr/bin/env node
import { EXIT, runCli } from "./cli.js";

// pnpm runs scripts from the workspace root and says where it was called from in INIT_CWD:
// relative paths (--out, --scenario FILE) are taken from there.
runCli(process.argv.slice(2), {
  cwd: process.env.INIT_CWD || process.cwd(),
  out: (line) => console.log(line),
  err: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`aurora-demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.failed;
  },
);
