/** One environment variable and what is wrong with it. */
export interface ConfigProblem {
  variable: string;
  message: string;
}

/**
 * The environment does not describe a valid sidecar. The message names every offending
 * variable, so `main.ts` can print it and exit before anything starts.
 */
export class ConfigError extends Error {
  /** The first offending variable, e.g. `PORT`. */
  readonly variable: string;
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[], options?: { cause?: unknown }) {
    const lines = problems.map((p) => `${p.variable}: ${p.message}`);
    super(
      problems.length === 1
        ? `invalid configuration: ${lines[0]}`
        : `invalid configuration (${problems.length} problems):\n  ${lines.join("\n  ")}`,
      options,
    );
    this.name = "ConfigError";
    this.variable = problems[0]?.variable ?? "(environment)";
    this.problems = problems;
  }
}
