import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT, runCli } from "./cli.js";

function io(cwd: string) {
  const lines: string[] = [];
  const err = new PassThrough();
  let errText = "";
  err.on("data", (chunk: Buffer) => {
    errText += chunk.toString("utf8");
  });
  return {
    io: { cwd, out: (line: string) => void lines.push(line), err: err as unknown as NodeJS.WriteStream },
    out: () => lines.join("\n"),
    lastLine: () => lines.at(-1),
    err: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return errText;
    },
  };
}

describe("runCli", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-demo-cli-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 2 for a bad flag, naming it, and writes nothing", async () => {
    const t = io(dir);
    expect(await runCli(["--seed", "seven"], t.io)).toBe(EXIT.usage);
    expect(await t.err()).toBe(
      'aurora-demo: --seed: must be a whole number from 0 to 4294967295, got "seven"\nRun `pnpm demo --help` for the flags.\n',
    );
    expect(t.out()).toBe("");
    expect(existsSync(join(dir, "aurora-demo"))).toBe(false);
  });

  it("exits 2 for a scenario file that does not exist", async () => {
    const t = io(dir);
    expect(await runCli(["--scenario", "missing.json"], t.io)).toBe(2);
    expect(await t.err()).toMatch(/^aurora-demo: --scenario: scenario ".*missing\.json" was not found/);
  });

  it("prints the usage for --help and exits 0", async () => {
    const t = io(dir);
    expect(await runCli(["--help"], t.io)).toBe(EXIT.ok);
    expect(t.out()).toMatch(/^Usage: pnpm demo \[--scenario NAME\|FILE\]/);
  });

  it("runs, prints the summary, and says on the last line where the report is", async () => {
    const t = io(dir);
    expect(await runCli(["--decisions", "300", "--out", "runs/a"], t.io)).toBe(EXIT.ok);
    const report = join(dir, "runs", "a", "report.html");
    expect(t.lastLine()).toBe(`Report: ${report}`);
    expect(existsSync(report)).toBe(true);
    expect(t.out()).toContain('Scenario "everything"');
    expect(t.out()).toContain("share of jobs per provider");
    expect(await t.err()).toBe("");
  });

  it("exits 1 when the run fails", async () => {
    const t = io(dir);
    const file = join(dir, "blocker");
    writeFileSync(file, "a file where the output folder should go");
    expect(await runCli(["--decisions", "10", "--out", "blocker"], t.io)).toBe(EXIT.failed);
    expect(await t.err()).toMatch(/^aurora-demo: the run failed: EEXIST/);
  });
});
