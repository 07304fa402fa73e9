import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { listScenarios } from "@aurora/simulator";
import { EvidenceUsageError } from "./evidence-options.js";

/** The workspace root: the nearest folder up from the working directory with pnpm-workspace.yaml. */
export function workspaceRoot(command: string): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, "pnpm-workspace.yaml"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`run this from inside the Aurora workspace (${command})`);
    dir = parent;
  }
  return dir;
}

/** What the smaller evidence scripts (`evidence:failover`, `evidence:guardrail`) take. */
export interface ScriptArgs {
  seeds: number[];
  scenarios: string[];
  /** Where to write the Markdown (absolute). */
  out: string;
}

const SCRIPT_FLAGS = ["--seeds", "--scenarios", "--out", "--help"];

/** Most seeds one `--seeds` may name (a range of 10,000 runs each scenario is hours already). */
const MAX_SEEDS = 10_000;

/** `1,2,3` or ranges `131-330`, mixed: whole numbers from 1, each once, at most {@link MAX_SEEDS}. */
function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  const named = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^([1-9]\d{0,8})(?:-([1-9]\d{0,8}))?$/.exec(part);
    if (match === null) {
      throw new EvidenceUsageError(
        "--seeds",
        `must be whole numbers from 1 or ranges such as 131-330, separated by commas, e.g. 1,2,3; got ${JSON.stringify(text)}`,
      );
    }
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) throw new EvidenceUsageError("--seeds", `the range ${part} runs backwards: write ${to}-${from}`);
    for (const seed of named) {
      if (seed >= from && seed <= to) throw new EvidenceUsageError("--seeds", `names seed ${seed} twice`);
    }
    if (seeds.length + (to - from + 1) > MAX_SEEDS) {
      throw new EvidenceUsageError("--seeds", `names more than ${MAX_SEEDS.toLocaleString("en")} seeds`);
    }
    for (let seed = from; seed <= to; seed++) {
      seeds.push(seed);
      named.add(seed);
    }
  }
  return seeds;
}

/**
 * Reads `--seeds 1,2,3` (or ranges, `131-330`), `--scenarios calm,outage` (built-in scenarios) and `--out FILE` (relative
 * to where the command was run), each at most once; `--help` (or `-h`) gives "help". Anything else
 * throws `EvidenceUsageError` naming the flag, before a run starts or a file is written.
 */
export function parseScriptArgs(
  argv: readonly string[],
  defaults: { seeds: readonly number[]; scenarios: readonly string[]; out: string },
  baseDirectory: string,
): ScriptArgs | "help" {
  const args = argv[0] === "--" ? argv.slice(1) : argv;
  const given = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] === "-h" ? "--help" : (args[i] as string);
    if (!SCRIPT_FLAGS.includes(flag)) {
      throw new EvidenceUsageError(
        flag.startsWith("-") ? flag : null,
        flag.startsWith("-")
          ? `unknown flag: the flags are ${SCRIPT_FLAGS.join(", ")}`
          : `unexpected argument ${JSON.stringify(flag)}: the flags are ${SCRIPT_FLAGS.join(", ")}`,
      );
    }
    if (flag === "--help") return "help";
    if (given.has(flag)) throw new EvidenceUsageError(flag, "is given twice");
    const value = args[i + 1];
    if (value === undefined || value.startsWith("--")) throw new EvidenceUsageError(flag, "needs a value");
    given.set(flag, value);
    i++;
  }
  const seedsText = given.get("--seeds");
  const seeds = seedsText === undefined ? [...defaults.seeds] : parseSeeds(seedsText);
  const known = listScenarios();
  const scenariosText = given.get("--scenarios");
  const scenarios = scenariosText === undefined ? [...defaults.scenarios] : scenariosText.split(",");
  for (const name of scenarios) {
    if (!known.includes(name)) {
      throw new EvidenceUsageError("--scenarios", `${JSON.stringify(name)} is not a built-in scenario: use ${known.join(", ")}`);
    }
  }
  if (new Set(scenarios).size !== scenarios.length) throw new EvidenceUsageError("--scenarios", "names a scenario twice");
  const out = given.get("--out");
  return { seeds, scenarios, out: out === undefined ? defaults.out : resolve(baseDirectory, out) };
}

/** Seeds as `--seeds` takes them, each run of more than five consecutive seeds as a range (`131-330`). */
export function seedsText(seeds: readonly number[]): string {
  const parts: string[] = [];
  for (let start = 0; start < seeds.length; ) {
    let end = start;
    while (end + 1 < seeds.length && seeds[end + 1] === (seeds[end] as number) + 1) end++;
    if (end - start + 1 > 5) parts.push(`${seeds[start]}-${seeds[end]}`);
    else parts.push(...seeds.slice(start, end + 1).map(String));
    start = end + 1;
  }
  return parts.join(",");
}

/**
 * The options of `pnpm evidence:<name>` (writing docs/<name>-evidence.md unless `--out` says
 * otherwise), or the process ends: help prints the usage and exits 0; a mistake prints one line
 * naming the flag on stderr and exits 2.
 */
export function scriptArgsOrExit(name: string, defaults: { seeds: readonly number[]; scenarios: readonly string[] }): ScriptArgs {
  const command = `pnpm evidence:${name}`;
  const out = join(workspaceRoot(command), "docs", `${name}-evidence.md`);
  try {
    const parsed = parseScriptArgs(process.argv.slice(2), { ...defaults, out }, process.env.INIT_CWD ?? process.cwd());
    if (parsed !== "help") return parsed;
    process.stdout.write(`usage: ${command} [--seeds ${seedsText(defaults.seeds)}] [--scenarios calm,outage] [--out FILE]\n`);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof EvidenceUsageError)) throw error;
    process.stderr.write(`${command}: ${error.message}\n`);
    process.exit(2);
  }
}
