import type { Scenario } from "@aurora/simulator";
import type { DemoCliOptions } from "./cli-args.js";
import { parseCliArgs, usage } from "./cli-args.js";
import { createProgressBar } from "./progress-bar.js";
import { runDemo } from "./run-demo.js";
import { loadScenarioFlag } from "./scenario-flag.js";
import { formatSummaryText } from "./summary-text.js";
import { UsageError } from "./usage-error.js";

/** Where the CLI reads and writes: the process's, or a test's. */
export interface CliIo {
  /** The directory relative paths are taken from. */
  cwd: string;
  /** The summary and the report's path, a line at a time. */
  out: (line: string) => void;
  /** Messages and the progress bar (drawn only when this is a terminal). */
  err: NodeJS.WriteStream;
}

/** The exit codes of `pnpm demo`. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 });

/**
 * `pnpm demo` without the process: parses `argv`, runs, prints the summary and, on the last
 * line, where the report is. Resolves to the exit code: 0 done (or `--help`), 1 the run
 * failed, 2 a bad flag (the message names it).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let options: DemoCliOptions;
  let scenario: Scenario;
  try {
    const command = parseCliArgs(argv, io.cwd);
    if (command.kind === "help") {
      io.out(usage());
      return EXIT.ok;
    }
    options = command.options;
    scenario = loadScenarioFlag(options.scenario, options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.write(`aurora-demo: ${error.message}\nRun \`pnpm demo --help\` for the flags.\n`);
    return EXIT.usage;
  }

  const started = performance.now();
  const bar = createProgressBar(io.err);
  try {
    const run = await runDemo({
      scenario,
      scenarioArg: options.scenario,
      ...(options.decisions !== undefined ? { decisions: options.decisions } : {}),
      seed: options.seed,
      policy: options.policy,
      outDir: options.outDir,
      psi: options.psi,
      onProgress: (done, total) => bar.update(done, total),
      onPsiField: (url) => io.err.write(`Ψ-Field stand-in listening at ${url} (GET /state)\n`),
    });
    bar.stop();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    io.out(formatSummaryText(run.summary));
    io.out("");
    io.out(`Simulated in ${seconds} s. Models: ${run.modelPaths.join(", ")}`);
    io.out(`Report: ${run.reportPath}`);
    return EXIT.ok;
  } catch (error) {
    bar.stop();
    io.err.write(`aurora-demo: the run failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}
