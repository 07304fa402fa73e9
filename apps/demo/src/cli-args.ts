import { resolve } from "node:path";
import { listScenarios, MAX_DECISIONS } from "@aurora/simulator";
import { demoPolicyKinds, policyProblem } from "./demo-policy.js";
import { UsageError } from "./usage-error.js";

/** What a run needs from the command line, with defaults filled in and paths made absolute. */
export interface DemoCliOptions {
  /** A built-in scenario name, or an absolute path to a scenario .json file. */
  scenario: string;
  /** Steps to simulate; `undefined` means the scenario's own length (5,000 for the built-ins but many-states, 20,000). */
  decisions: number | undefined;
  seed: number;
  /** A policy kind of `@aurora/strategist`'s registry that the demo can build. */
  policy: string;
  /** Absolute path of the folder the report and model files go to. */
  outDir: string;
  /** Start the local Ψ-Field stand-in and connect the engines to it. */
  psi: boolean;
}

export type CliCommand = { kind: "help" } | { kind: "run"; options: DemoCliOptions };

const DEFAULT_SCENARIO = "everything";
const DEFAULT_SEED = 1;
const DEFAULT_POLICY = "lin-ucb";
const DEFAULT_OUT_DIR = "aurora-demo";
/** Seeds feed mulberry32, which reads 32 bits: larger values would repeat smaller ones. */
export const MAX_SEED = 0xffffffff;

type Values = Partial<Omit<DemoCliOptions, "outDir" | "scenario">> & { outDir?: string; scenario?: string; help?: boolean };

interface FlagSpec {
  /** The value's placeholder in messages, or null for a switch that takes none. */
  readonly takes: string | null;
  readonly apply: (values: Values, raw: string, cwd: string) => void;
}

const flags: Readonly<Record<string, FlagSpec>> = Object.freeze({
  "--scenario": {
    takes: "NAME|FILE",
    apply: (values, raw, cwd) => {
      if (listScenarios().includes(raw)) {
        values.scenario = raw;
      } else if (/[\\/]/.test(raw) || raw.endsWith(".json")) {
        values.scenario = resolve(cwd, raw);
      } else {
        throw new UsageError(
          "--scenario",
          `unknown scenario "${raw}": use one of ${listScenarios().join(", ")}, or a path to a scenario .json file`,
        );
      }
    },
  },
  "--decisions": {
    takes: "N",
    apply: (values, raw) => {
      values.decisions = wholeNumber("--decisions", raw, 1, MAX_DECISIONS);
    },
  },
  "--seed": {
    takes: "N",
    apply: (values, raw) => {
      values.seed = wholeNumber("--seed", raw, 0, MAX_SEED);
    },
  },
  "--policy": {
    takes: "NAME",
    apply: (values, raw) => {
      const problem = policyProblem(raw);
      if (problem !== null) throw new UsageError("--policy", `${problem}: use one of ${demoPolicyKinds().join(", ")}`);
      values.policy = raw;
    },
  },
  "--out": {
    takes: "DIR",
    apply: (values, raw, cwd) => {
      values.outDir = resolve(cwd, raw);
    },
  },
  "--psi": {
    takes: null,
    apply: (values) => {
      values.psi = true;
    },
  },
  "--help": {
    takes: null,
    apply: (values) => {
      values.help = true;
    },
  },
});

const aliases: Readonly<Record<string, string>> = Object.freeze({ "-h": "--help" });

/**
 * Reads the demo's flags. `--flag value` and `--flag=value` both work; a leading `--` (what
 * `pnpm demo -- --seed 7` passes on) is skipped. Relative paths are resolved against `cwd`.
 * Throws `UsageError` naming the flag for anything it cannot use.
 */
export function parseCliArgs(argv: readonly string[], cwd: string): CliCommand {
  const values: Values = {};
  const seen = new Set<string>();
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const given = eq === -1 ? arg : arg.slice(0, eq);
    const name = Object.hasOwn(aliases, given) ? (aliases[given] as string) : given;
    if (!Object.hasOwn(flags, name)) {
      if (name.startsWith("-")) throw new UsageError(given, `unknown flag: the flags are ${Object.keys(flags).join(", ")}`);
      throw new UsageError(null, `unexpected argument "${arg}": every value follows its flag, e.g. --scenario ${arg}`);
    }
    const spec = flags[name] as FlagSpec;
    if (seen.has(name)) throw new UsageError(name, "given more than once: give each flag at most once");
    seen.add(name);

    let raw = "";
    if (spec.takes === null) {
      if (eq !== -1) throw new UsageError(name, `takes no value, got "${arg.slice(eq + 1)}"`);
    } else if (eq !== -1) {
      raw = arg.slice(eq + 1);
    } else {
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(name, `needs a value: ${name} ${spec.takes}`);
      raw = next;
      i++;
    }
    if (spec.takes !== null && raw === "") throw new UsageError(name, `needs a value: ${name} ${spec.takes}`);
    spec.apply(values, raw, cwd);
  }
  if (values.help) return { kind: "help" };
  return {
    kind: "run",
    options: {
      scenario: values.scenario ?? DEFAULT_SCENARIO,
      decisions: values.decisions,
      seed: values.seed ?? DEFAULT_SEED,
      policy: values.policy ?? DEFAULT_POLICY,
      outDir: values.outDir ?? resolve(cwd, DEFAULT_OUT_DIR),
      psi: values.psi ?? false,
    },
  };
}

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(flag, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** The `--help` text. */
export function usage(): string {
  return `Usage: pnpm demo [--scenario NAME|FILE] [--decisions N] [--seed N] [--policy NAME] [--out DIR] [--psi]

Runs Aurora's engine and fixed-rule baselines over the same simulated GPU market,
prints a summary table and writes a self-contained report.html.

  --scenario NAME|FILE  built-in scenario or a scenario .json file (default: ${DEFAULT_SCENARIO})
                        built-in: ${listScenarios().join(", ")}
  --decisions N         steps to simulate, 1 to ${MAX_DECISIONS} (default: the scenario's: 5000, many-states 20000)
  --seed N              seed of the market and of every router, 0 to ${MAX_SEED} (default: ${DEFAULT_SEED})
  --policy NAME         the engine's learning policy: ${demoPolicyKinds().join(", ")} (default: ${DEFAULT_POLICY})
  --out DIR             where report.html, result.json and the model files go (default: ./${DEFAULT_OUT_DIR})
  --psi                 start a local Ψ-Field stand-in (HTTP GET /state) and connect the engines to it
  -h, --help            print this text

Relative paths are taken from the directory you ran the command in.
Exit codes: 0 done, 1 the run failed, 2 a bad flag.`;
}
