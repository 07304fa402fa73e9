import { resolve } from "node:path";

export const DEFAULT_SCENARIOS = ["calm", "price-spike", "outage", "latency-spike", "newcomer", "everything", "many-states"];

export interface EvidenceOptions {
  scenarios: string[];
  seeds: number;
  largeSeeds: number;
  decisions?: number;
  /** Where to write the Markdown; null: print only. */
  out: string | null;
}

/** A command-line mistake, with what to type instead. */
export class EvidenceUsageError extends Error {
  constructor(message: string) {
    super(
      `${message}\nusage: pnpm evidence [--seeds 10] [--large-seeds 10] [--decisions N] [--scenarios a,b] [--out docs/learning-evidence.md | --print-only]`,
    );
    this.name = "EvidenceUsageError";
  }
}

function positiveInteger(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1)
    throw new EvidenceUsageError(`${flag} needs a whole number ≥ 1, got ${value ?? "nothing"}`);
  return n;
}

/** Parses the arguments; relative paths are taken from `baseDirectory` (where `pnpm evidence` was run). */
export function parseEvidenceArgs(args: readonly string[], baseDirectory: string): EvidenceOptions {
  const options: EvidenceOptions = {
    scenarios: [...DEFAULT_SCENARIOS],
    seeds: 10,
    largeSeeds: 10,
    out: resolve(baseDirectory, "docs/learning-evidence.md"),
  };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    switch (flag) {
      case "--seeds":
        options.seeds = positiveInteger(flag, value);
        i++;
        break;
      case "--large-seeds":
        options.largeSeeds = positiveInteger(flag, value);
        i++;
        break;
      case "--decisions":
        options.decisions = positiveInteger(flag, value);
        i++;
        break;
      case "--scenarios":
        if (!value) throw new EvidenceUsageError("--scenarios needs a comma-separated list such as outage,newcomer");
        options.scenarios = value.split(",").filter((s) => s.length > 0);
        i++;
        break;
      case "--out":
        if (!value) throw new EvidenceUsageError("--out needs a file path");
        options.out = resolve(baseDirectory, value);
        i++;
        break;
      case "--print-only":
        options.out = null;
        break;
      default:
        throw new EvidenceUsageError(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  return options;
}
