import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { ValidationError } from "@aurora/domain";
import { AlwaysProvider } from "./always-provider.js";
import { type OpeCliOptions, parseCliArgs, USAGE } from "./cli-args.js";
import { createTargetPolicy } from "./create-target-policy.js";
import type { DecisionLogLine } from "./decision-log-line.js";
import { resolveFolds } from "./doubly-robust.js";
import { CliUsageError, DecisionLogError } from "./errors.js";
import { evaluatePolicy } from "./evaluate-policy.js";
import { formatEvaluation } from "./format-evaluation.js";
import { type ReadDecisionLogOptions, readDecisionLog } from "./read-decision-log.js";
import type { TargetPolicy } from "./target-policy.js";

/** Where the CLI writes; injected so tests read its output. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * `aurora-ope`: evaluates a policy on a decision log and prints a table (or JSON). Resolves to
 * the exit status: 0 done, 2 bad flags or a bad log line, 1 anything else (e.g. no overlap, or
 * an estimate that is not finite).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  try {
    const command = parseCliArgs(argv);
    if (command.kind === "help") {
      io.stdout(USAGE);
      return 0;
    }
    const { options } = command;
    assertDistinctLogs(options.log);
    const target = createTarget(options, await readSnapshot(options.snapshot));
    const source = options.log.join(", ");
    const evaluation = await evaluatePolicy(readDecisionLogs(options.log, { maxLineBytes: options.maxLineBytes }), target, {
      estimators: options.estimators,
      ci: options.ci,
      bootstrapSamples: options.bootstrapSamples,
      seed: options.seed,
      folds: options.folds,
      ...(options.clip !== undefined ? { clip: options.clip } : {}),
    }).catch((error: unknown) => {
      throw logErrorFrom(error, source);
    });
    if (target instanceof AlwaysProvider) assertProviderLogged(target, source);
    io.stdout(
      options.json
        ? `${JSON.stringify(evaluation, null, 2)}\n`
        : formatEvaluation(evaluation, {
            source,
            ci: options.ci,
            clip: options.clip,
            folds: resolveFolds(options.folds, evaluation.logged.n),
            bootstrapSamples: options.bootstrapSamples,
          }),
    );
    return 0;
  } catch (error) {
    if (error instanceof CliUsageError || error instanceof DecisionLogError) {
      io.stderr(`aurora-ope: ${error.message}\n${error instanceof CliUsageError ? "Run aurora-ope --help for usage.\n" : ""}`);
      return 2;
    }
    io.stderr(`aurora-ope: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

function createTarget(options: OpeCliOptions, snapshot: unknown): TargetPolicy {
  try {
    return createTargetPolicy({
      kind: options.policy,
      config: options.policyConfig,
      seed: options.seed,
      samples: options.samples,
      ...(snapshot !== undefined ? { snapshot } : {}),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new CliUsageError(flagOf(error.field, snapshot !== undefined), error.message, { cause: error });
  }
}

/**
 * The flag a `createTargetPolicy` error is about: `kind` is --policy's, `snapshot` --snapshot's,
 * `config…` --policy-config's; any other field is a policy option, which comes from
 * --policy-config or, when one is given, from the snapshot's saved settings.
 */
function flagOf(field: string, withSnapshot: boolean): string {
  if (field === "kind") return "--policy";
  if (field === "snapshot") return "--snapshot";
  if (field === "config" || field.startsWith("config.") || !withSnapshot) return "--policy-config";
  return "--policy-config or --snapshot";
}

/**
 * An always:<id> whose provider is a candidate in none of the rewarded decisions was uniform on
 * every one: its estimates are those of a random pick, not of the provider meant (a misspelt id).
 */
function assertProviderLogged(target: AlwaysProvider, path: string): void {
  if (target.requests === 0 || target.requestsAsCandidate > 0) return;
  const others = target.otherCandidateIds();
  throw new CliUsageError(
    "--policy",
    `provider ${JSON.stringify(target.providerId)} is a candidate in none of the ${target.requests} rewarded decisions of ${path}, ` +
      `so ${target.name} would pick uniformly at random everywhere: check the id (the log's candidates include ${others.join(", ")})`,
  );
}

/** The decisions of every log, one log after the other; a file that cannot be read is named in its error (`path`). */
async function* readDecisionLogs(paths: readonly string[], options: ReadDecisionLogOptions): AsyncGenerator<DecisionLogLine> {
  for (const path of paths) {
    try {
      yield* readDecisionLog(path, options);
    } catch (error) {
      const failure = error as NodeJS.ErrnoException;
      if (typeof failure?.code === "string" && failure.path === undefined) failure.path = path;
      throw error;
    }
  }
}

/** The same file given twice would count each of its decisions twice. */
function assertDistinctLogs(paths: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const path of paths) {
    let key: string;
    try {
      const { dev, ino } = statSync(path);
      key = `${dev}:${ino}`;
    } catch {
      continue; // reading it says what is wrong, naming it
    }
    const first = seen.get(key);
    if (first !== undefined) {
      throw new CliUsageError("--log", `${path} is ${first} again: each of its decisions would count twice`);
    }
    seen.set(key, path);
  }
}

async function readSnapshot(path: string | undefined): Promise<unknown> {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliUsageError(
      "--snapshot",
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliUsageError("--snapshot", `${path} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

/** Maps a file that cannot be opened or read (any system error) or a log too short to evaluate to a usage error on `--log`. */
function logErrorFrom(error: unknown, path: string): unknown {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code === "string" && typeof syscall === "string") {
    const file = (error as NodeJS.ErrnoException).path ?? path;
    return new CliUsageError("--log", `cannot read ${file} (${code})`, { cause: error });
  }
  if (error instanceof ValidationError && error.field === "samples") {
    return new CliUsageError("--log", `${path} ${error.message.slice("samples: ".length)}`, { cause: error });
  }
  return error;
}
