import type { IntervalMethod } from "./estimator-options.js";
import type { PolicyEvaluation } from "./evaluate-policy.js";
import type { OffPolicyEstimate } from "./off-policy-estimate.js";

export interface FormatOptions {
  /** The log's name as shown, e.g. its path. */
  source: string;
  ci: IntervalMethod;
  clip: number | undefined;
  /** The folds DR used (`resolveFolds`: at most the decisions), not the number asked for. */
  folds: number;
  bootstrapSamples: number;
}

const HEADER = ["estimator", "estimate", "95% CI", "n", "ESS"] as const;

/**
 * Below this effective sample size the normal approximation behind the intervals does not hold
 * (a handful of weights carry the estimate), so the table says so.
 */
const LOW_EFFECTIVE_SAMPLE_SIZE = 10;

/**
 * From this magnitude numbers are printed as `1.234e+21`: `toFixed` prints them with more digits
 * than a double holds below it, and switches to its own exponent form at 1e21.
 */
const EXPONENTIAL_FROM = 1e15;

/** The evaluation as a plain-text table: one row per estimator, after the logged policy's own value. */
export function formatEvaluation(evaluation: PolicyEvaluation, options: FormatOptions): string {
  const rows: string[][] = [[...HEADER]];
  const row = (name: string, e: OffPolicyEstimate) => [
    name,
    fixed(e.estimate, 3),
    `[${fixed(e.ci95[0], 3)}, ${fixed(e.ci95[1], 3)}]`,
    String(e.n),
    fixed(e.effective_sample_size, 1),
  ];
  rows.push(row("logged (on-policy)", evaluation.logged));
  for (const [name, estimate] of Object.entries(evaluation.estimates)) if (estimate) rows.push(row(name, estimate));

  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const table = rows.map((r) =>
    r
      .map((cell, c) => (c === 0 || c === 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join("  ")
      .trimEnd(),
  );

  const logged = evaluation.logging_policies.length > 0 ? `; logged by ${evaluation.logging_policies.join(", ")}` : "";
  const interval =
    options.ci === "normal"
      ? "95% CIs by normal approximation (estimate ± 1.96·stderr)"
      : `95% CIs by percentile bootstrap (${options.bootstrapSamples} resamples)`;
  const clip =
    options.clip === undefined ? "weights not clipped" : `weights clipped at ${options.clip} (${evaluation.clipped_weights} cut)`;
  const notes = [interval, clip];
  if (evaluation.estimates.dr) {
    notes.push(
      `DR reward model: per-(state, provider) mean, ${options.folds === 1 ? "not cross-fitted" : `${options.folds}-fold cross-fitted`}`,
    );
  }
  if (evaluation.inexact_propensities > 0) {
    notes.push(
      `${evaluation.inexact_propensities} decision(s) logged a propensity that is only a lower bound (an A/B split with an arm that cannot state its probabilities): their weights may be too large`,
    );
  }
  const warning = lowSampleWarning(evaluation);
  return [
    `Off-policy evaluation of ${evaluation.target} on ${options.source}`,
    `${evaluation.logged.n} decisions with a reward (${evaluation.unrewarded} without, left out${superseded(evaluation)})${logged}`,
    "",
    ...table,
    "",
    `${notes.join("; ")}.`,
    ...(warning !== undefined ? [warning] : []),
    "",
  ].join("\n");
}

/** The warning line when the importance weights' effective sample size (the same for every estimator) is below 10. */
/** The settlement lines another log's feedback replaced, when there were any. */
function superseded(evaluation: PolicyEvaluation): string {
  const n = evaluation.superseded;
  return n > 0 ? `; ${n} settlement line${n === 1 ? "" : "s"} replaced by another log's feedback line` : "";
}

function lowSampleWarning(evaluation: PolicyEvaluation): string | undefined {
  const sizes = Object.values(evaluation.estimates).map((e) => e!.effective_sample_size);
  if (sizes.length === 0) return undefined;
  const ess = Math.min(...sizes);
  if (!(ess < LOW_EFFECTIVE_SAMPLE_SIZE)) return undefined;
  return (
    `Warning: the effective sample size is ${fixed(ess, 1)}, below ${LOW_EFFECTIVE_SAMPLE_SIZE}: the estimates rest on a few ` +
    "decisions the target policy would have made, and their 95% CIs are unreliable (log with more exploration, or evaluate a policy closer to the logged one)."
  );
}

function fixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return Math.abs(value) < EXPONENTIAL_FROM ? value.toFixed(digits) : value.toExponential(digits);
}
