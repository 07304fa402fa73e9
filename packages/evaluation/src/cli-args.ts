import { constants } from "node:buffer";
import { parseArgs } from "node:util";
import { DEFAULT_FOLDS } from "./doubly-robust.js";
import { CliUsageError } from "./errors.js";
import type { IntervalMethod } from "./estimator-options.js";
import { ESTIMATOR_NAMES, type EstimatorName } from "./evaluate-policy.js";
import { DEFAULT_CHOOSE_SAMPLES } from "./policy-target.js";
import { DEFAULT_MAX_LINE_BYTES } from "./read-decision-log.js";

/** What `aurora-ope` was asked to do, defaults filled in. */
export interface OpeCliOptions {
  /** The decision logs, read one after the other as one log (several replicas' logs). */
  log: string[];
  policy: string;
  policyConfig: Record<string, unknown>;
  snapshot: string | undefined;
  estimators: EstimatorName[];
  clip: number | undefined;
  seed: number;
  ci: IntervalMethod;
  bootstrapSamples: number;
  folds: number;
  samples: number;
  maxLineBytes: number;
  json: boolean;
}

export type OpeCliCommand = { kind: "help" } | { kind: "run"; options: OpeCliOptions };

/** Seeds feed mulberry32, which reads 32 bits. */
const MAX_SEED = 0xffffffff;

export const USAGE = `Usage: aurora-ope --log FILE [--log FILE…] --policy POLICY [options]

Estimates how POLICY would have done on the decisions in FILE (a JSONL decision log written by
@aurora/engine's DecisionLogWriter), with 95% confidence intervals, next to the logged policy's
own average reward.

  --log FILE             the decision log (required); repeat it to read several as one, such
                         as the logs of replicas sharing a database
  --policy POLICY        always:<provider_id>, or a policy kind of @aurora/strategist (e.g. rule,
                         q-learning), evaluated frozen (required)
  --policy-config JSON   the policy's options, e.g. '{"epsilon":0}' (it replaces a snapshot's ε);
                         '{"provider_id":"x"}' for always, nothing for always:<id>
  --snapshot FILE        a saved model to freeze a learning policy at (e.g. aurora-model.json)
  --estimator LIST       ips, snips, dr, a comma-separated list, or all (default all)
  --clip W               cut importance weights above W (default: no clipping)
  --ci METHOD            normal (default) or bootstrap (percentile, seeded)
  --bootstrap-samples N  bootstrap resamples (default 2000)
  --folds K              cross-fitting folds of the DR reward model (default ${DEFAULT_FOLDS}; 1 = none)
  --samples N            choose() calls per decision to learn a stochastic policy's
                         probabilities (default ${DEFAULT_CHOOSE_SAMPLES})
  --seed N               seed of the policy's rng and of the bootstrap (default 1)
  --max-line-bytes N     the longest log line read, in bytes (default ${DEFAULT_MAX_LINE_BYTES}, 16 MiB)
  --json                 print the result as JSON instead of a table
  -h, --help             show this help

Exit status: 0 done; 2 bad flags, a bad log line (the message names the line and field), or an
always:<id> whose provider is a candidate in no logged decision; 1 the log cannot evaluate the
policy (no overlap), an estimate that is not finite, or another error.
`;

const spec = {
  log: { type: "string", multiple: true },
  policy: { type: "string" },
  "policy-config": { type: "string" },
  snapshot: { type: "string" },
  estimator: { type: "string" },
  clip: { type: "string" },
  ci: { type: "string" },
  "bootstrap-samples": { type: "string" },
  folds: { type: "string" },
  samples: { type: "string" },
  seed: { type: "string" },
  "max-line-bytes": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses `aurora-ope`'s arguments; a bad one throws `CliUsageError` naming its flag. */
export function parseCliArgs(argv: readonly string[]): OpeCliCommand {
  let values: Partial<Record<keyof typeof spec, string | boolean | string[]>>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false }));
  } catch (error) {
    throw usageErrorFrom(error);
  }
  if (values.help === true) return { kind: "help" };
  const text = (name: keyof typeof spec) => values[name] as string | undefined;

  const logs = (values.log as string[] | undefined) ?? [];
  if (logs.length === 0) required("--log", undefined, "the decision log to read (JSONL, one decision per line)");
  if (logs.includes("")) throw new CliUsageError("--log", "must name a file, got an empty path");
  const log = logs;
  const policy = required("--policy", text("policy"), "the policy to evaluate, e.g. rule or always:<provider_id>");
  return {
    kind: "run",
    options: {
      log,
      policy,
      policyConfig: policyConfig(text("policy-config")),
      snapshot: text("snapshot"),
      estimators: estimatorList(text("estimator")),
      clip: text("clip") === undefined ? undefined : positiveNumber("--clip", text("clip")!),
      seed: wholeNumber("--seed", text("seed") ?? "1", 0, MAX_SEED),
      ci: intervalMethod(text("ci")),
      bootstrapSamples: wholeNumber("--bootstrap-samples", text("bootstrap-samples") ?? "2000", 1, 1_000_000),
      folds: wholeNumber("--folds", text("folds") ?? String(DEFAULT_FOLDS), 1, 1000),
      samples: wholeNumber("--samples", text("samples") ?? String(DEFAULT_CHOOSE_SAMPLES), 1, 100_000),
      maxLineBytes: wholeNumber(
        "--max-line-bytes",
        text("max-line-bytes") ?? String(DEFAULT_MAX_LINE_BYTES),
        1,
        constants.MAX_STRING_LENGTH,
      ),
      json: values.json === true,
    },
  };
}

function required(flag: string, value: string | undefined, what: string): string {
  if (value === undefined || value === "") throw new CliUsageError(flag, `is required: ${what}`);
  return value;
}

function policyConfig(raw: string | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new CliUsageError(
      "--policy-config",
      `is not valid JSON (${(error as Error).message}): pass an object such as '{"epsilon":0}'`,
      {
        cause: error,
      },
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new CliUsageError("--policy-config", `must be a JSON object such as '{"epsilon":0}', got ${raw}`);
  }
  return value as Record<string, unknown>;
}

function estimatorList(raw: string | undefined): EstimatorName[] {
  if (raw === undefined || raw === "all") return [...ESTIMATOR_NAMES];
  const names = raw.split(",").map((s) => s.trim());
  for (const name of names) {
    if (!(ESTIMATOR_NAMES as readonly string[]).includes(name)) {
      throw new CliUsageError(
        "--estimator",
        `unknown estimator "${name}": use ${ESTIMATOR_NAMES.join(", ")}, a comma-separated list, or all`,
      );
    }
  }
  return [...new Set(names)] as EstimatorName[];
}

function intervalMethod(raw: string | undefined): IntervalMethod {
  if (raw === undefined) return "normal";
  if (raw === "normal" || raw === "bootstrap") return raw;
  throw new CliUsageError("--ci", `must be normal or bootstrap, got "${raw}"`);
}

function positiveNumber(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw new CliUsageError(flag, `must be a number > 0, got "${raw}"`);
  }
  return value;
}

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new CliUsageError(flag, `must be a whole number from ${min} to ${max.toLocaleString("en-US")}, got "${raw}"`);
  }
  return value;
}

function usageErrorFrom(error: unknown): CliUsageError {
  const message = (error as Error).message ?? String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
    return new CliUsageError(flag, "is not an option of aurora-ope", { cause: error });
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    return new CliUsageError(flag, "needs a value (write --flag=value for a value starting with '-')", { cause: error });
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const argument = /'([^']*)'/.exec(message)?.[1] ?? "";
    return new CliUsageError("(command)", `unexpected argument "${argument}": every input is a flag, such as --log FILE`, {
      cause: error,
    });
  }
  return new CliUsageError("(command)", message, { cause: error });
}
