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
  /**
   * Settlement lines left out because another log holds the decision's feedback: with replicas,
   * one settled (evicted) its copy while another took the feedback, which the database kept.
   */
  superseded: number;
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
 * `parseDecisionLog`), but for one case: in two files (replicas' logs), a feedback line and a
 * settlement line of one decision keep the feedback (`superseded` counts the settlements left out).
 * An estimate that is not finite throws `NonFiniteEstimateError`.
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
  let samples: (LoggedSample | undefined)[] = [];
  const loggingPolicies = new Set<string>();
  let lines = 0;
  let inexact = 0;
  let superseded = 0;
  // A decision counted twice (a log appended to twice, two logs concatenated) would weigh double.
  // Kept per id as one number (see `Seen`): where it was read, and whether it was a settlement.
  const seen = new Seen();
  // The samples of settlement lines with a reward, by id, in case another log holds the feedback.
  // Kept as index·2 + 1 when the line's propensity was inexact.
  const settledSamples = new Map<string, number>();
  // Settlement lines left out for another log's feedback line, by id: where each was read, so that
  // the same file repeating one is refused as it would be read alone.
  const leftOut = new Map<string, number>();
  for await (const line of log) {
    const position = positionOf(line);
    const where = seen.where(position, lines);
    const earlier = seen.get(line.decision_id);
    const settlement = line.resolution !== "feedback";
    if (earlier !== undefined) {
      const replaces = seen.replaces(earlier, where, settlement);
      if (replaces === undefined) throw repeatedDecision(line.decision_id, lines, seen.position(earlier), position);
      if (!replaces) {
        // A settlement after the feedback: left out, unless its file already had one left out.
        const other = leftOut.get(line.decision_id);
        if (other !== undefined && sameSource(other, where)) {
          throw repeatedDecision(line.decision_id, lines, seen.position(other * 2 + 1), position);
        }
        leftOut.set(line.decision_id, where);
        superseded++;
        continue;
      }
      superseded++;
      // The feedback after a settlement: the settlement's line (and its sample, if any) is left out.
      lines--;
      const held = settledSamples.get(line.decision_id);
      if (held !== undefined) {
        samples[Math.floor(held / 2)] = undefined;
        inexact -= held % 2;
        settledSamples.delete(line.decision_id);
      }
    }
    seen.set(line.decision_id, where, settlement);
    lines++;
    loggingPolicies.add(line.policy);
    if (line.reward === null) continue;
    if (settlement) settledSamples.set(line.decision_id, samples.length * 2 + (line.propensity_exact === false ? 1 : 0));
    samples.push(replayTarget(line as DecisionLogLine & { reward: number }, target));
    if (line.propensity_exact === false) inexact++;
  }
  if (superseded > 0) samples = samples.filter((sample) => sample !== undefined);
  const estimatorOptions: DoublyRobustOptions = { ...options, targetName: target.name };
  const estimates: Partial<Record<EstimatorName, OffPolicyEstimate>> = {};
  const kept = samples as LoggedSample[];
  for (const name of names) estimates[name] = estimators[name](kept, estimatorOptions);
  const logged = loggedValue(kept, estimatorOptions);
  for (const [name, estimate] of [["logged", logged] as const, ...Object.entries(estimates)]) {
    if (!Number.isFinite(estimate!.estimate)) throw new NonFiniteEstimateError(name, estimate!.estimate, target.name);
  }
  return {
    target: target.name,
    logged,
    estimates,
    lines,
    unrewarded: lines - kept.length,
    superseded,
    clipped_weights: names.length > 0 ? importanceWeights(kept, resolved.clip, target.name).clipped : 0,
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
  const problem = (where: string, why: string) =>
    `${JSON.stringify(id)} repeats the decision of ${where}: each decision must appear once (${why})`;
  if (position !== undefined && typeof earlier === "object") {
    if (earlier.source === position.source) {
      return new DecisionLogError(
        position.source,
        position.lineNumber,
        "decision_id",
        problem(`line ${earlier.lineNumber}`, "a log appended to twice?"),
      );
    }
    const why = "two logs that share lines, or replicas writing one file? Give each replica a log of its own";
    return new DecisionLogError(
      position.source,
      position.lineNumber,
      "decision_id",
      problem(`${earlier.source} line ${earlier.lineNumber}`, why),
    );
  }
  const where = typeof earlier === "object" ? `${earlier.source} line ${earlier.lineNumber}` : `log[${earlier}]`;
  return ValidationError.forField(`log[${index}].decision_id`, problem(where, "a log appended to twice?"));
}

/** 2³², the room for a line number in a `Seen` entry. */
const LINE_ROOM = 2 ** 32;

/** Whether two places a line was read (`Seen.where`) are in the same source. */
function sameSource(a: number, b: number): boolean {
  return Math.floor(a / LINE_ROOM) === Math.floor(b / LINE_ROOM);
}

/**
 * Where each decision was read, one number per id (a log may hold millions): for a line a reader
 * of this package read, (its file's index among the files seen + 1)·2³² + its line number; for
 * other lines, their index in the log; then ·2, + 1 for a settlement line.
 */
class Seen {
  readonly #ids = new Map<string, number>();
  readonly #sources: string[] = [];
  readonly #sourceIndex = new Map<string, number>();

  /** Where a line was read, as `set` keeps it (without the settlement bit). */
  where(position: LogPosition | undefined, index: number): number {
    if (position === undefined) return index;
    let source = this.#sourceIndex.get(position.source);
    if (source === undefined) {
      source = this.#sources.length;
      this.#sources.push(position.source);
      this.#sourceIndex.set(position.source, source);
    }
    return (source + 1) * LINE_ROOM + position.lineNumber;
  }

  get(id: string): number | undefined {
    return this.#ids.get(id);
  }

  set(id: string, where: number, settlement: boolean): void {
    this.#ids.set(id, where * 2 + (settlement ? 1 : 0));
  }

  /**
   * Whether a line read at `where` replaces the `earlier` one of its decision (true), is left out
   * (false), or may not repeat it (undefined): only a feedback line and a settlement line, read
   * from two files, stand together, and the feedback is kept.
   */
  replaces(earlier: number, where: number, settlement: boolean): boolean | undefined {
    const before = Math.floor(earlier / 2);
    if (before < LINE_ROOM || where < LINE_ROOM) return undefined;
    if (sameSource(before, where)) return undefined;
    const earlierSettlement = earlier % 2 === 1;
    if (earlierSettlement === settlement) return undefined;
    return earlierSettlement;
  }

  /** The position `earlier` names, for an error message. */
  position(earlier: number): LogPosition | number {
    const where = Math.floor(earlier / 2);
    if (where < LINE_ROOM) return where;
    return { source: this.#sources[Math.floor(where / LINE_ROOM) - 1] as string, lineNumber: where % LINE_ROOM };
  }
}
