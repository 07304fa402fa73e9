import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const APP = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The built command (`pnpm --filter @aurora/evidence build` first; `pnpm test` builds before testing). */
const MAIN = join(APP, "dist", "main.js");

/**
 * Runs `pnpm evidence` as pnpm does: from the app's folder, with the caller's folder in INIT_CWD.
 */
function evidence(args: readonly string[], initCwd: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, INIT_CWD: initCwd };
    execFile(process.execPath, [MAIN, ...args], { cwd: APP, env, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const HELP = " (pnpm evidence --help lists the flags)\n";

describe("pnpm evidence, run as a command", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-evidence-main-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 2 with one line naming --scenarios for an unknown scenario, before running the others", async () => {
    const { status, stdout, stderr } = await evidence(["--scenarios", "calm,nope", "--print-only"], dir);
    expect(stderr).toBe(
      'evidence: --scenarios: unknown scenario "nope": use calm, price-spike, outage, latency-spike, newcomer, everything, many-states, or a path to a scenario .json file' +
        HELP,
    );
    expect(status).toBe(2);
    expect(stdout).toBe("");
  });

  it("exits 2 with one line for too many decisions, not a stack trace", async () => {
    const { status, stderr } = await evidence(["--decisions", "20000000", "--scenarios", "calm"], dir);
    expect(stderr).toBe(`evidence: --decisions: must be a whole number from 1 to 10000000, got "20000000"${HELP}`);
    expect(status).toBe(2);
  });

  it("exits 2 for an --out it could not write, before running anything", async () => {
    const { status, stderr } = await evidence(["--out", ".", "--scenarios", "calm", "--seeds", "1"], dir);
    expect(stderr).toBe(
      `evidence: --out: cannot write "${dir}": it is a folder: give a file path such as docs/learning-evidence.md${HELP}`,
    );
    expect(status).toBe(2);
  });

  it("exits 2 for --out followed by another flag, writing no file named after it", async () => {
    const { status, stderr } = await evidence(["--out", "--print-only"], dir);
    expect(stderr).toBe(`evidence: --out: needs a value: --out FILE${HELP}`);
    expect(status).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(APP, "--print-only"))).toBe(false);
  });

  it("prints the usage for --help and exits 0", async () => {
    const { status, stdout, stderr } = await evidence(["--help"], dir);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: pnpm evidence \[--seeds N\]/);
    expect(stderr).toBe("");
  });

  it("reads a scenario file and writes --out both from where it was run", async () => {
    const provider = (id: string, failure_rate: number) => ({
      provider_id: id,
      advertised: { prices: { a100: 2 }, latency_ms: 100, reputation: 90, regions: ["r1"] },
      hidden: { failure_rate, latency_mean_ms: 120 },
    });
    const scenario = {
      name: "small",
      decisions: 40,
      providers: [provider("a", 0.02), provider("b", 0.3)],
      tenants: [{ tenant_id: "t", regions: ["r1"], workloads: [{ workload_type: "w", gpu_types: ["a100"], gpu_hours: [1, 2] }] }],
    };
    writeFileSync(join(dir, "small.json"), JSON.stringify(scenario));
    const { status, stdout, stderr } = await evidence(
      ["--scenarios", "small.json", "--seeds", "2", "--out", "out/evidence.md"],
      dir,
    );
    expect(status).toBe(0);
    expect(stderr.replace(/\d+\.\d s/g, "… s")).toBe(
      `small.json seed 1: … s\nsmall.json seed 2: … s\nwrote ${join(dir, "out", "evidence.md")}\n`,
    );
    expect(stdout).toContain("| router | small.json |");
    expect(readFileSync(join(dir, "out", "evidence.md"), "utf8")).toBe(stdout);
  });
});
