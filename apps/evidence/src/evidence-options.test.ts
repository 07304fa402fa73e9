import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "@aurora/simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EvidenceOptions } from "./evidence-options.js";
import { DEFAULT_SCENARIOS, EvidenceUsageError, parseEvidenceArgs } from "./evidence-options.js";

/** The options of a run, or the test fails. */
function run(args: readonly string[], base: string): EvidenceOptions {
  const command = parseEvidenceArgs(args, base);
  if (command.kind !== "run") throw new Error(`expected a run, got ${command.kind}`);
  return command.options;
}

/** The usage error `args` give, with its flag. */
function refusal(args: readonly string[], base: string): { flag: string | null; message: string } {
  try {
    parseEvidenceArgs(args, base);
  } catch (error) {
    expect(error).toBeInstanceOf(EvidenceUsageError);
    return { flag: (error as EvidenceUsageError).flag, message: (error as EvidenceUsageError).message };
  }
  throw new Error(`expected ${JSON.stringify(args)} to be refused`);
}

/** A two-provider scenario file; `events` are placed on its 100 steps. */
function scenarioFile(path: string, events: unknown[] = []): string {
  const provider = (id: string) => ({
    provider_id: id,
    advertised: { prices: { a100: 2 }, latency_ms: 100, reputation: 90, regions: ["r1"] },
    hidden: { failure_rate: 0.05, latency_mean_ms: 120 },
  });
  const scenario = {
    name: "small",
    decisions: 100,
    providers: [provider("a"), provider("b")],
    tenants: [{ tenant_id: "t", regions: ["r1"], workloads: [{ workload_type: "w", gpu_types: ["a100"], gpu_hours: [1, 2] }] }],
    events,
  };
  writeFileSync(path, JSON.stringify(scenario));
  return path;
}

describe("parseEvidenceArgs", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-evidence-options-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe("valid", () => {
    it("defaults to every scenario, 10 seeds each, written to docs/learning-evidence.md", () => {
      const options = run([], dir);
      expect(options.scenarios.map((s) => s.name)).toEqual(DEFAULT_SCENARIOS);
      expect(options.scenarios.map((s) => s.scenario)).toEqual(DEFAULT_SCENARIOS.map((name) => loadScenario(name)));
      expect(options).toMatchObject({ seeds: 10, largeSeeds: 10, out: join(dir, "docs", "learning-evidence.md") });
      expect(options.decisions).toBeUndefined();
      expect(DEFAULT_SCENARIOS).toEqual([
        "calm",
        "price-spike",
        "outage",
        "latency-spike",
        "newcomer",
        "everything",
        "many-states",
      ]);
    });

    it("reads seeds, decisions, scenarios and where to write", () => {
      const options = run(
        ["--seeds", "3", "--decisions", "500", "--scenarios", "outage,newcomer", "--out", "x.md", "--large-seeds", "2"],
        dir,
      );
      expect(options.scenarios.map((s) => s.name)).toEqual(["outage", "newcomer"]);
      expect(options).toMatchObject({ seeds: 3, largeSeeds: 2, decisions: 500, out: join(dir, "x.md") });
      expect(run(["--print-only"], dir).out).toBeNull();
      expect(run(["--", "--seeds", "2", "--scenarios", "calm"], dir).seeds).toBe(2);
    });

    it("loads a scenario file from the base directory, as --out is, keeping the name given for the table", () => {
      mkdirSync(join(dir, "markets"));
      scenarioFile(join(dir, "markets", "small.json"));
      const options = run(["--scenarios", "calm,markets/small.json", "--out", "markets/evidence.md"], dir);
      expect(options.scenarios.map((s) => s.name)).toEqual(["calm", "markets/small.json"]);
      expect(options.scenarios[1]?.scenario.name).toBe("small");
      expect(options.out).toBe(join(dir, "markets", "evidence.md"));
    });

    it("takes an --out whose folders do not exist yet (they are created when writing)", () => {
      expect(run(["--out", "a/b/c.md", "--scenarios", "calm"], dir).out).toBe(join(dir, "a", "b", "c.md"));
    });

    it("asks for the usage with --help or -h", () => {
      expect(parseEvidenceArgs(["--help"], dir)).toEqual({ kind: "help" });
      expect(parseEvidenceArgs(["--seeds", "3", "-h"], dir)).toEqual({ kind: "help" });
    });
  });

  describe("invalid", () => {
    it("refuses a count that is not written as a whole number ≥ 1", () => {
      for (const raw of ["0", "1e0", "0x1", " 1", "1.0", "-1", "+1", "9007199254740993"]) {
        expect(refusal(["--seeds", raw, "--scenarios", "calm"], dir)).toEqual({
          flag: "--seeds",
          message: `--seeds: must be a whole number from 1 to 9007199254740991, got "${raw}"`,
        });
      }
      expect(refusal(["--large-seeds", "two"], dir).flag).toBe("--large-seeds");
    });

    it("refuses more decisions than a run may have, before loading any scenario", () => {
      expect(refusal(["--decisions", "20000000", "--scenarios", "nope"], dir)).toEqual({
        flag: "--decisions",
        message: '--decisions: must be a whole number from 1 to 10000000, got "20000000"',
      });
      expect(run(["--decisions", "10000000", "--scenarios", "calm", "--print-only"], dir).decisions).toBe(10_000_000);
    });

    it("refuses an unknown scenario among known ones", () => {
      expect(refusal(["--scenarios", "calm,nope"], dir)).toEqual({
        flag: "--scenarios",
        message:
          '--scenarios: unknown scenario "nope": use calm, price-spike, outage, latency-spike, newcomer, everything, many-states, or a path to a scenario .json file',
      });
    });

    it("refuses a scenario file that is missing, a folder or invalid, naming the problem", () => {
      expect(refusal(["--scenarios", "absent.json"], dir).message).toMatch(
        /^--scenarios: absent\.json: scenario ".*absent\.json" was not found/,
      );
      mkdirSync(join(dir, "folder.json"));
      expect(refusal(["--scenarios", "folder.json"], dir).message).toBe(
        `--scenarios: folder.json: scenario file "${join(dir, "folder.json")}" could not be read: it is a folder: give the path of a scenario .json file`,
      );
      writeFileSync(join(dir, "bad.json"), JSON.stringify({ name: "bad", providers: [], tenants: [] }));
      expect(refusal(["--scenarios", "bad.json"], dir).message).toMatch(
        /^--scenarios: bad\.json: providers: must list at least one provider/,
      );
    });

    it("refuses a scenario whose events only go wrong on this run's steps", () => {
      scenarioFile(join(dir, "leaves.json"), [
        { type: "provider_leaves", at: "10%", provider_id: "b" },
        { type: "provider_joins", at: 20, provider_id: "b" },
      ]);
      // 10% of 100 steps is 10, before the join at 20; of 1,000 steps, 100, after it.
      expect(refusal(["--scenarios", "leaves.json"], dir).message).toMatch(
        /^--scenarios: leaves\.json: events\[0\]\.at: provider "b" would leave at step 10/,
      );
      expect(run(["--scenarios", "leaves.json", "--decisions", "1000"], dir).scenarios).toHaveLength(1);
    });

    it("refuses a scenario listed twice, by name or by two paths to one file", () => {
      expect(refusal(["--scenarios", "calm,calm"], dir)).toEqual({
        flag: "--scenarios",
        message: '--scenarios: "calm" is the same scenario as "calm": list each scenario once',
      });
      scenarioFile(join(dir, "small.json"));
      expect(refusal(["--scenarios", "small.json,./small.json"], dir).message).toBe(
        '--scenarios: "./small.json" is the same scenario as "small.json": list each scenario once',
      );
    });

    it("refuses an empty scenario name", () => {
      for (const list of [",", "calm,", ",calm", "calm,,outage"]) {
        expect(refusal(["--scenarios", list], dir)).toEqual({
          flag: "--scenarios",
          message: `--scenarios: has an empty name in "${list}": separate names with single commas, e.g. outage,newcomer`,
        });
      }
    });

    it("refuses a flag with no value, or another flag where its value should be", () => {
      expect(refusal(["--out", "--print-only"], dir)).toEqual({ flag: "--out", message: "--out: needs a value: --out FILE" });
      expect(refusal(["--seeds"], dir)).toEqual({ flag: "--seeds", message: "--seeds: needs a value: --seeds N" });
      expect(refusal(["--scenarios", ""], dir).message).toBe("--scenarios: needs a value: --scenarios a,b");
    });

    it("refuses a flag given twice, and --out with --print-only", () => {
      expect(refusal(["--seeds", "2", "--seeds", "3"], dir)).toEqual({
        flag: "--seeds",
        message: "--seeds: given more than once: give each flag at most once",
      });
      expect(refusal(["--print-only", "--print-only"], dir).flag).toBe("--print-only");
      expect(refusal(["--out", "x.md", "--print-only"], dir)).toEqual({
        flag: "--print-only",
        message: "--print-only: cannot be combined with --out: give one of them",
      });
    });

    it("refuses an --out that is a folder, or under a file", () => {
      expect(refusal(["--out", ".", "--scenarios", "calm"], dir)).toEqual({
        flag: "--out",
        message: `--out: cannot write "${dir}": it is a folder: give a file path such as docs/learning-evidence.md`,
      });
      writeFileSync(join(dir, "plain"), "");
      expect(refusal(["--out", "plain/x.md", "--scenarios", "calm"], dir).message).toBe(
        `--out: cannot write "${join(dir, "plain", "x.md")}": "${join(dir, "plain")}" is a file, not a folder`,
      );
    });

    // root may write anywhere.
    it.skipIf(process.getuid?.() === 0)("refuses an --out in a folder it may not write", () => {
      mkdirSync(join(dir, "locked"));
      chmodSync(join(dir, "locked"), 0o500);
      expect(refusal(["--out", "locked/x.md", "--scenarios", "calm"], dir).message).toBe(
        `--out: cannot write "${join(dir, "locked", "x.md")}": "${join(dir, "locked")}" is not writable`,
      );
    });

    it("refuses an unknown flag and a stray argument", () => {
      expect(refusal(["--fast"], dir)).toEqual({
        flag: "--fast",
        message:
          "--fast: unknown flag: the flags are --seeds, --large-seeds, --decisions, --scenarios, --out, --print-only, --help",
      });
      expect(refusal(["calm"], dir)).toEqual({
        flag: null,
        message: 'unexpected argument "calm": every value follows its flag, e.g. --scenarios calm',
      });
    });
  });
});
