import { ValidationError } from "@aurora/domain";
import type { DecisionLogLine } from "./decision-log-line.js";
import { type DoublyRobustOptions, doublyRobust } from "./doubly-robust.js";
import { DecisionLogError, NonFiniteEstimateError } from "./errors.js";
import { resolveEstimatorOptions } from "./estimator-options.js";
import { importanceWeights } from "./importance-weights.js";
import { ips } from "./ips.js";
import { type LogPosition, positionOf } from "./log-position.js";
import type { LoggedSample } from "./logged-sample.js";
import { loggedValue } from "./logged-value.js";
import type { OffPolicyEstimate } from "./off-policy-estimate.js";
import { replayTarget } from "./replay-target.js";
import { snips } from "./snips.js";
import type { TargetPolicy } from "./target-policy.js";

/** The estimators by name, as `--estimator` takes them. */
const estimators = {
  ips,
  snips,
  dr: doublyRobust,
} satisfies Record<string, (samples: readonly LoggedSample[], options?: DoublyRobustOptions) => OffPolicyEstimate>;

export type EstimatorName = keyof typeof estimators;
export const ESTIMATOR_NAMES: readonly EstimatorName[] = Object.freeze(Object.keys(estimators) as EstimatorName[]);

export interface EvaluationOptions extends Omit<DoublyRobustOptions, "targetName"> {
  /** Which estimators to run, in this order. Default: all (`ips`, `snips`, `dr`). */
  estimators?: readonly EstimatorName[];
}

/** The result of evaluating one target policy on one log (plain JSON). */
export interface PolicyEvaluation {
  target: string;
  /** The logging policy's own value: the mean logged reward. */
  logged: OffPolicyEstimate;
  /** One entry per estimator asked for. */
  estimates: Partial<Record<EstimatorName, OffPolicyEstimate>>;
  /** Lines read. */
  lines: number;
  /** Lines left out because they carry no reward (settled without feedback and dropped by the engine). */
  unrewarded: number;
  /** Importance weights cut to `clip`. */
  clipped_weights: number;
  /** The logging policies the lines name (`policy`), in order of first appearance. */
  logging_policies: string[];
  /**
   * Rewarded lines whose propensity is only a lower bound (`propensity_exact: false`): their
   * weights may be too large, so IPS, SNIPS and DR over them lean towards their rewards.
   */
  inexact_propensities: number;
}

/**
 * Replays `target` over every rewarded line of a decision log (in log order) and estimates its
 * value with the chosen estimators, next to the logging policy's own value. Lines are reduced to
 * samples as they stream in, so only ids and numbers are kept. A `decision_id` seen twice throws
 * (a `DecisionLogError` naming both lines when the log comes from `readDecisionLog` or
 * `parseDecisionLog`); an estimate that is not finite throws `NonFiniteEstimateError`.
 */
export async function evaluatePolicy(
  log: Iterable<DecisionLogLine> | AsyncIterable<DecisionLogLine>,
  target: TargetPolicy,
  options: EvaluationOptions = {},
): Promise<PolicyEvaluation> {
  const names = options.estimators ?? ESTIMATOR_NAMES;
  for (const [i, name] of names.entries()) {
    if (!Object.hasOwn(estimators, name)) {
      throw ValidationError.forField(
        `estimators[${i}]`,
        `must be one of ${ESTIMATOR_NAMES.join(", ")}, got ${JSON.stringify(name)}`,
      );
    }
  }
  const resolved = resolveEstimatorOptions(options);
  const samples: LoggedSample[] = [];
  const loggingPolicies = new Set<string>();
  let lines = 0;
  let inexact = 0;
  // A decision counted twice (a log appended to twice, two logs concatenated) would weigh double.
  // Kept per id: its file and line where a reader of this package read it, else its index in `log`.
  const seen = new Map<string, LogPosition | number>();
  for await (const line of log) {
    const position = positionOf(line);
    const earlier = seen.get(line.decision_id);
    if (earlier !== undefined) throw repeatedDecision(line.decision_id, lines, earlier, position);
    seen.set(line.decision_id, position ?? lines);
    lines++;
    loggingPolicies.add(line.policy);
    if (line.reward === null) continue;
    samples.push(replayTarget(line as DecisionLogLine & { reward: number }, target));
    if (line.propensity_exact === false) inexact++;
  }
  const estimatorOptions: DoublyRobustOptions = { ...options, targetName: target.name };
  const estimates: Partial<Record<EstimatorName, OffPolicyEstimate>> = {};
  for (const name of names) estimates[name] = estimators[name](samples, estimatorOptions);
  const logged = loggedValue(samples, estimatorOptions);
  for (const [name, estimate] of [["logged", logged] as const, ...Object.entries(estimates)]) {
    if (!Number.isFinite(estimate!.estimate)) throw new NonFiniteEstimateError(name, estimate!.estimate, target.name);
  }
  return {
    target: target.name,
    logged,
    estimates,
    lines,
    unrewarded: lines - samples.length,
    clipped_weights: names.length > 0 ? importanceWeights(samples, resolved.clip, target.name).clipped : 0,
    logging_policies: [...loggingPolicies],
    inexact_propensities: inexact,
  };
}

/**
 * A repeated `decision_id`: a `DecisionLogError` naming the file lines when a reader of this
 * package read the log (as every other bad line is named), else a `ValidationError` naming the
 * positions in `log`.
 */
function repeatedDecision(id: string, index: number, earlier: LogPosition | number, position: LogPosition | undefined): Error {
  const problem = (where: string) =>
    `${JSON.stringify(id)} repeats the decision of ${where}: each decision must appear once (a log appended to twice?)`;
  if (position !== undefined && typeof earlier === "object") {
    const where =
      earlier.source === position.source ? `line ${earlier.lineNumber}` : `${earlier.source} line ${earlier.lineNumber}`;
    return new DecisionLogError(position.source, position.lineNumber, "decision_id", problem(where));
  }
  const where = typeof earlier === "object" ? `${earlier.source} line ${earlier.lineNumber}` : `log[${earlier}]`;
  return ValidationError.forField(`log[${index}].decision_id`, problem(where));
}
