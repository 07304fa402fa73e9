import { AuroraError } from "@aurora/domain";

/** A line of a decision log that is not valid JSON or does not match `decisionLogLineSchema`. */
export class DecisionLogError extends AuroraError {
  /** Where the line came from: a file path, or a name given by the caller. */
  readonly source: string;
  /** 1-based line number. */
  readonly lineNumber: number;
  /** Dotted path of the offending field, e.g. `candidates[0].price_usd_per_hour`; `(line)` when the line is not JSON. */
  readonly field: string;

  constructor(source: string, lineNumber: number, field: string, problem: string, options?: { cause?: unknown }) {
    super(
      "DECISION_LOG_INVALID",
      `${source} line ${lineNumber}: ${field}: ${problem} (fix or remove the line; each line is one JSON decision record)`,
      options,
    );
    this.source = source;
    this.lineNumber = lineNumber;
    this.field = field;
  }
}

/**
 * The target policy gives zero probability to every logged choice (after clipping), so the
 * log says nothing about it: importance-weighted estimates would be 0 ± 0 or undefined.
 */
export class NoOverlapError extends AuroraError {
  /** The target policy's name, when the caller gave it. */
  readonly target: string | undefined;

  constructor(n: number, target?: string) {
    super(
      "NO_OVERLAP",
      `${target === undefined ? "the target policy" : `target policy "${target}"`} never picks the logged provider in any of the ${n} logged decisions: ` +
        "this log cannot evaluate it; log with more exploration (e.g. a larger ε) or evaluate a policy closer to the logged one",
    );
    this.target = target;
  }
}

/** A target policy returned something that is not a probability distribution over the candidates. */
export class TargetPolicyError extends AuroraError {
  readonly target: string;

  constructor(target: string, problem: string) {
    super(
      "TARGET_POLICY_INVALID",
      `target policy "${target}" ${problem}: probabilities(request) must return one number ≥ 0 per candidate, in candidate order, summing to 1`,
    );
    this.target = target;
  }
}

/** A bad command line for `aurora-ope`; the CLI prints the message and exits with status 2. */
export class CliUsageError extends AuroraError {
  /** The flag at fault, e.g. `--clip`, or `(command)` for the command line as a whole. */
  readonly flag: string;

  constructor(flag: string, problem: string, options?: { cause?: unknown }) {
    super("CLI_USAGE", `${flag}: ${problem}`, options);
    this.flag = flag;
  }
}

/**
 * An estimate came out as ±Infinity or NaN: the numbers of the log overflow the estimator (only
 * lines outside `decisionLogLineSchema`'s bounds can, such as a reward of 1e308). Reported rather
 * than printed as a value, since nothing can be read from it.
 */
export class NonFiniteEstimateError extends AuroraError {
  /** `logged`, or the estimator's name (`ips`, `snips`, `dr`). */
  readonly estimator: string;

  constructor(estimator: string, value: number, target: string) {
    super(
      "NON_FINITE_ESTIMATE",
      `the ${estimator} estimate of target policy "${target}" is ${String(value)}: the log's rewards or importance weights overflow it; ` +
        "check the log's reward and propensity values (parse it with decisionLogLineSchema, which bounds them)",
    );
    this.estimator = estimator;
  }
}
