import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EvidenceUsageError } from "./evidence-options.js";
import { parseScriptArgs, seedsText } from "./script-args.js";

const defaults = { seeds: [1, 2, 3], scenarios: ["calm", "outage"], out: "/docs/x.md" };

function usageError(argv: string[]): EvidenceUsageError {
  try {
    parseScriptArgs(argv, defaults, "/here");
  } catch (error) {
    expect(error).toBeInstanceOf(EvidenceUsageError);
    return error as EvidenceUsageError;
  }
  throw new Error("expected an EvidenceUsageError");
}

describe("parseScriptArgs (evidence:failover, evidence:guardrail)", () => {
  it("takes the defaults, and --seeds, --scenarios and --out (relative to where it was run)", () => {
    expect(parseScriptArgs([], defaults, "/here")).toEqual({
      seeds: [1, 2, 3],
      scenarios: ["calm", "outage"],
      out: "/docs/x.md",
    });
    expect(parseScriptArgs(["--", "--seeds", "4,5", "--scenarios", "newcomer", "--out", "a.md"], defaults, "/here")).toEqual({
      seeds: [4, 5],
      scenarios: ["newcomer"],
      out: "/here/a.md",
    });
    expect(parseScriptArgs(["-h"], defaults, "/here")).toBe("help");
  });

  it("takes ranges of seeds, mixed with single ones, and shows long consecutive runs as a range", () => {
    expect(parseScriptArgs(["--seeds", "131-135,7,9-9"], defaults, "/here")).toMatchObject({
      seeds: [131, 132, 133, 134, 135, 7, 9],
    });
    expect(seedsText([1, 2, 3, 4, 5])).toBe("1,2,3,4,5");
    expect(seedsText(Array.from({ length: 200 }, (_, i) => 131 + i))).toBe("131-330");
    expect(seedsText([1, 3, 4, 5, 6, 7, 8])).toBe("1,3-8");
    expect(seedsText([131, 132, 133, 134, 135, 136, 500, 2, 3])).toBe("131-136,500,2,3");
    expect(seedsText([])).toBe("");
  });

  it.each([
    [["--seed", "1"], "--seed", /unknown flag: the flags are --seeds, --scenarios, --out, --help/],
    [["--scenario", "calm"], "--scenario", /unknown flag/],
    [["calm"], null, /unexpected argument "calm"/],
    [["--seeds", "x"], "--seeds", /must be whole numbers from 1 or ranges such as 131-330, separated by commas/],
    [["--seeds", "5-3"], "--seeds", /the range 5-3 runs backwards: write 3-5/],
    [["--seeds", "1-"], "--seeds", /must be whole numbers from 1 or ranges/],
    [["--seeds", "0-3"], "--seeds", /must be whole numbers from 1 or ranges/],
    [["--seeds", "2,1-3"], "--seeds", /names seed 2 twice/],
    [["--seeds", "1-10000,1-10000"], "--seeds", /names seed 1 twice/],
    [["--seeds", "1-10001"], "--seeds", /names more than 10,000 seeds/],
    [["--seeds", "0,1"], "--seeds", /must be whole numbers from 1/],
    [["--seeds", "1,1"], "--seeds", /names seed 1 twice/],
    [["--seeds"], "--seeds", /needs a value/],
    [["--scenarios", "nope"], "--scenarios", /"nope" is not a built-in scenario: use calm, /],
    [["--out", "a", "--out", "b"], "--out", /is given twice/],
  ] as [string[], string | null, RegExp][])("refuses %j, naming %s", (argv, flag, message) => {
    const error = usageError(argv);
    expect(error.flag).toBe(flag);
    expect(error.message).toMatch(message);
  });
});

const APP = join(dirname(fileURLToPath(import.meta.url)), "..");

function script(
  name: string,
  args: readonly string[],
  initCwd: string,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(APP, "dist", name), ...args],
      { cwd: APP, env: { ...process.env, INIT_CWD: initCwd } },
      (error, stdout, stderr) => {
        resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe.each(["failover-evidence.js", "guardrail-evidence.js", "defaults-evidence.js"])("%s, run as a command", (name) => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-evidence-script-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 2 with one line naming a misspelt flag, running nothing and writing nothing", async () => {
    const out = join(dir, "evidence.md");
    const { status, stdout, stderr } = await script(name, ["--seed", "1", "--out", out], dir);
    expect(status).toBe(2);
    expect(stderr).toMatch(
      /^pnpm evidence:(failover|guardrail|defaults): --seed: unknown flag: the flags are --seeds, --scenarios, --out, --help\n$/,
    );
    expect(stdout).toBe("");
    expect(existsSync(out)).toBe(false);
  });

  it("prints its usage for --help and exits 0, writing nothing", async () => {
    const out = join(dir, "evidence.md");
    const { status, stdout } = await script(name, ["--help", "--out", out], dir);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^usage: pnpm evidence:(failover|guardrail|defaults) \[--seeds (1,2,3,4,5|131-330)\]/);
    expect(existsSync(out)).toBe(false);
  });

  it("runs a small subset when asked, and writes it where --out says", async () => {
    const { status, stderr } = await script(name, ["--seeds", "1", "--scenarios", "calm", "--out", "small.md"], dir);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    expect(existsSync(join(dir, "small.md"))).toBe(true);
  }, 120_000);
});
