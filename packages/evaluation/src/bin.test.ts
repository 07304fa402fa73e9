import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { logLine } from "../test/log-lines.js";

/** The built command (`pnpm --filter @aurora/evaluation build` first; `pnpm test` builds before testing). */
const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "bin.js");

/** Runs `aurora-ope` in a child Node process, as a shell would. */
function aurora(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const TOO_LONG =
  "(line): is longer than 16,777,216 bytes, the most one decision record may take (is the file a decision log? " +
  "raise maxLineBytes, --max-line-bytes in aurora-ope, for a record that is really this long) " +
  "(fix or remove the line; each line is one JSON decision record)\n";

describe("aurora-ope, run as a command", () => {
  it("exits 2 naming line 1 of a file with no line end at all (/dev/zero), reading no more than the limit", async () => {
    const { status, stdout, stderr } = await aurora(["--log", "/dev/zero", "--policy", "always:a"]);
    expect(stderr).toBe(`aurora-ope: /dev/zero line 1: ${TOO_LONG}`);
    expect(status).toBe(2);
    expect(stdout).toBe("");
  });

  it("exits 2 naming the line longer than 16 MiB, and reads it with --max-line-bytes raised", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "aurora-ope-bin-")), "long.jsonl");
    // 17 MiB of whitespace inside a valid record: too long by default, a good line past the limit.
    const long = JSON.stringify(logLine({ decision_id: "d2" })).replace('"chosen"', `${" ".repeat(17 * 1024 * 1024)}"chosen"`);
    writeFileSync(path, `${JSON.stringify(logLine())}\n${long}\n`);
    const refused = await aurora(["--log", path, "--policy", "always:a"]);
    expect(refused.stderr).toBe(`aurora-ope: ${path} line 2: ${TOO_LONG}`);
    expect(refused.status).toBe(2);
    const read = await aurora(["--log", path, "--policy", "always:a", "--max-line-bytes", String(32 * 1024 * 1024)]);
    expect(read.stderr).toBe("");
    expect(read.status).toBe(0);
    expect(read.stdout).toContain("2 decisions with a reward (0 without, left out); logged by q-learning");
  });
});
