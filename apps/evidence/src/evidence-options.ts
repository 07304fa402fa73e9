import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { AuroraError } from "@aurora/domain";
import { listScenarios, loadScenario, MAX_DECISIONS, Market } from "@aurora/simulator";
import type { EvidenceScenario } from "./run-evidence.js";

export const DEFAULT_SCENARIOS = ["calm", "price-spike", "outage", "latency-spike", "newcomer", "everything", "many-states"];
const DEFAULT_OUT = "docs/learning-evidence.md";

export interface EvidenceOptions {
  /** In the order given, each loaded and checked against the run's length. */
  scenarios: EvidenceScenario[];
  seeds: number;
  largeSeeds: number;
  decisions?: number;
  /** Where to write the Markdown (absolute); null: print only. */
  out: string | null;
}

export type EvidenceCommand = { kind: "help" } | { kind: "run"; options: EvidenceOptions };

/** A command-line mistake: the message names the flag and says what it takes. The CLI exits with code 2. */
export class EvidenceUsageError extends Error {
  /** The flag at fault, e.g. `--seeds`; null for a stray argument. */
  readonly flag: string | null;

  constructor(flag: string | null, message: string, options?: { cause?: unknown }) {
    super(flag === null ? message : `${flag}: ${message}`, options);
    this.name = "EvidenceUsageError";
    this.flag = flag;
  }
}

/** The flags and the placeholder of the value each takes (null: a switch). */
const FLAGS: Readonly<Record<string, string | null>> = Object.freeze({
  "--seeds": "N",
  "--large-seeds": "N",
  "--decisions": "N",
  "--scenarios": "a,b",
  "--out": "FILE",
  "--print-only": null,
  "--help": null,
});

/**
 * Reads the arguments and checks everything a run needs before it starts: counts, every scenario
 * (loaded, and its events placed on the run's steps), and that `--out` can be written. Relative
 * paths (`--out`, scenario files) are taken from `baseDirectory`, where `pnpm evidence` was run.
 * Throws `EvidenceUsageError` naming the flag.
 */
export function parseEvidenceArgs(argv: readonly string[], baseDirectory: string): EvidenceCommand {
  const given = new Map<string, string>();
  // `pnpm evidence -- --seeds 3` passes the `--` on.
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const flag = arg === "-h" ? "--help" : arg;
    if (!Object.hasOwn(FLAGS, flag)) {
      if (flag.startsWith("-"))
        throw new EvidenceUsageError(flag, `unknown flag: the flags are ${Object.keys(FLAGS).join(", ")}`);
      throw new EvidenceUsageError(null, `unexpected argument "${arg}": every value follows its flag, e.g. --scenarios ${arg}`);
    }
    if (given.has(flag)) throw new EvidenceUsageError(flag, "given more than once: give each flag at most once");
    const takes = FLAGS[flag] as string | null;
    let value = "";
    if (takes !== null) {
      const next = args[i + 1];
      if (next === undefined || next === "" || next.startsWith("--"))
        throw new EvidenceUsageError(flag, `needs a value: ${flag} ${takes}`);
      value = next;
      i++;
    }
    given.set(flag, value);
  }
  if (given.has("--help")) return { kind: "help" };
  if (given.has("--out") && given.has("--print-only")) {
    throw new EvidenceUsageError("--print-only", "cannot be combined with --out: give one of them");
  }

  const seeds = wholeNumber("--seeds", given.get("--seeds") ?? "10");
  const largeSeeds = wholeNumber("--large-seeds", given.get("--large-seeds") ?? "10");
  const decisionsValue = given.get("--decisions");
  const decisions = decisionsValue === undefined ? undefined : wholeNumber("--decisions", decisionsValue, MAX_DECISIONS);
  const out = given.has("--print-only") ? null : writableFile(resolve(baseDirectory, given.get("--out") ?? DEFAULT_OUT));
  // Last, as it reads files: every scenario, checked against the run's length.
  const scenarios = loadScenarios(given.get("--scenarios"), baseDirectory, decisions);
  return { kind: "run", options: { scenarios, seeds, largeSeeds, ...(decisions !== undefined ? { decisions } : {}), out } };
}

function wholeNumber(flag: string, raw: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new EvidenceUsageError(flag, `must be a whole number from 1 to ${max}, got "${raw}"`);
  }
  return value;
}

/** Each scenario of `--scenarios` (or the defaults), loaded now so a bad one stops the run before it starts. */
function loadScenarios(value: string | undefined, baseDirectory: string, decisions: number | undefined): EvidenceScenario[] {
  const names = value === undefined ? DEFAULT_SCENARIOS : value.split(",");
  const seen = new Map<string, string>();
  return names.map((name) => {
    if (name === "") {
      throw new EvidenceUsageError(
        "--scenarios",
        `has an empty name in "${value}": separate names with single commas, e.g. outage,newcomer`,
      );
    }
    const builtIn = listScenarios().includes(name);
    if (!builtIn && !/[\\/]/.test(name) && !name.endsWith(".json")) {
      throw new EvidenceUsageError(
        "--scenarios",
        `unknown scenario "${name}": use ${listScenarios().join(", ")}, or a path to a scenario .json file`,
      );
    }
    const source = builtIn ? name : resolve(baseDirectory, name);
    const earlier = seen.get(source);
    if (earlier !== undefined) {
      throw new EvidenceUsageError("--scenarios", `"${name}" is the same scenario as "${earlier}": list each scenario once`);
    }
    seen.set(source, name);
    try {
      const scenario = loadScenario(source);
      // Shares such as "40%" become steps only for a run's length: what a run would refuse then is refused now.
      new Market(scenario, { seed: 1, decisions: decisions ?? scenario.decisions });
      return { name, scenario };
    } catch (error) {
      if (error instanceof AuroraError)
        throw new EvidenceUsageError("--scenarios", `${name}: ${error.message}`, { cause: error });
      throw error;
    }
  });
}

/** `path` when the Markdown can be written there (the folders are created); a usage error saying why not otherwise. */
function writableFile(path: string): string {
  const problem = (message: string) => new EvidenceUsageError("--out", `cannot write "${path}": ${message}`);
  let existing = path;
  for (;;) {
    let stats: ReturnType<typeof statSync> | undefined;
    try {
      stats = statSync(existing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a file stands where a folder of the path should be; found as its ancestor below.
      if (code !== "ENOENT" && code !== "ENOTDIR") throw problem(error instanceof Error ? error.message : String(error));
    }
    if (stats !== undefined) {
      if (existing === path && stats.isDirectory())
        throw problem("it is a folder: give a file path such as docs/learning-evidence.md");
      if (existing !== path && !stats.isDirectory()) throw problem(`"${existing}" is a file, not a folder`);
      try {
        accessSync(existing, constants.W_OK);
      } catch {
        throw problem(`"${existing}" is not writable`);
      }
      return path;
    }
    existing = dirname(existing);
  }
}

/** The `--help` text. */
export function usage(): string {
  return `Usage: pnpm evidence [--seeds N] [--large-seeds N] [--decisions N] [--scenarios a,b] [--out FILE | --print-only]

Runs every learning policy (through the engine) and the baselines over the simulator's scenarios,
prints the regret table and writes it as Markdown.

  --seeds N          seeds 1…N for every scenario but many-states (default: 10)
  --large-seeds N    seeds for many-states (default: 10)
  --decisions N      steps per run, 1 to ${MAX_DECISIONS} (default: each scenario's own)
  --scenarios a,b    built-in scenarios or scenario .json files, each once
                     (default: ${DEFAULT_SCENARIOS.join(",")})
  --out FILE         where to write the Markdown (default: ${DEFAULT_OUT})
  --print-only       print the table without writing it
  -h, --help         print this text

Relative paths are taken from the directory you ran the command in.
Exit codes: 0 done, 1 a run failed, 2 a bad flag.`;
}
