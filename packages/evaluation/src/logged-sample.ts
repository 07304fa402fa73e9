import { ValidationError } from "@aurora/domain";

/**
 * One logged decision, reduced to what the estimators need, with the target policy's
 * probabilities over the same candidates (`replayTarget` builds it from a log line).
 */
export interface LoggedSample {
  /** The reward model's group: the logged state key. */
  stateKey: string;
  /** Candidate provider ids, in logged order. */
  actions: readonly string[];
  /** Index in `actions` of the logged choice. */
  chosen: number;
  /** The reward observed for the logged choice. */
  reward: number;
  /** μ(chosen | x): the logging policy's probability of the logged choice, in (0, 1]. */
  propensity: number;
  /**
   * An estimate of 1/μ whose mean is 1/μ, where `propensity` is itself a Monte Carlo estimate
   * (a `thompson` or `lin-thompson` log's `inverse_propensity`): weights use it instead of 1/propensity.
   */
  inversePropensity?: number;
  /** π(· | x): the target policy's probability of each action, in `actions` order, summing to 1. */
  target: readonly number[];
}

/** How far a target distribution's sum may stray from 1 (rounding in the policy's arithmetic). */
export const PROBABILITY_SUM_TOLERANCE = 1e-6;

/** Throws a `ValidationError` naming `samples[i].<field>` for the first malformed sample; estimators need at least two. */
export function assertSamples(samples: readonly LoggedSample[]): void {
  if (!Array.isArray(samples) || samples.length < 2) {
    throw ValidationError.forField(
      "samples",
      `must hold at least 2 logged decisions with rewards (a standard error needs two), got ${Array.isArray(samples) ? samples.length : typeof samples}`,
    );
  }
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const field = (name: string) => `samples[${i}].${name}`;
    if (!(s.propensity > 0 && s.propensity <= 1)) {
      throw ValidationError.forField(field("propensity"), `must be a number in (0, 1], got ${String(s.propensity)}`);
    }
    if (s.inversePropensity !== undefined && !(s.inversePropensity >= 1 && Number.isFinite(s.inversePropensity))) {
      throw ValidationError.forField(
        field("inversePropensity"),
        `must be a finite number ≥ 1 (an estimate of 1/propensity), got ${String(s.inversePropensity)}`,
      );
    }
    if (typeof s.reward !== "number" || !Number.isFinite(s.reward)) {
      throw ValidationError.forField(field("reward"), `must be a finite number, got ${String(s.reward)}`);
    }
    if (!Array.isArray(s.actions) || s.actions.length === 0) {
      throw ValidationError.forField(field("actions"), "must list at least one candidate provider id");
    }
    if (!Number.isInteger(s.chosen) || s.chosen < 0 || s.chosen >= s.actions.length) {
      throw ValidationError.forField(
        field("chosen"),
        `must be an index into actions (0 to ${s.actions.length - 1}), got ${String(s.chosen)}`,
      );
    }
    if (!Array.isArray(s.target) || s.target.length !== s.actions.length) {
      throw ValidationError.forField(field("target"), `must hold one probability per action (${s.actions.length})`);
    }
    let sum = 0;
    for (const p of s.target) {
      if (!(p >= 0 && p <= 1))
        throw ValidationError.forField(field("target"), `must hold probabilities from 0 to 1, got ${String(p)}`);
      sum += p;
    }
    if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
      throw ValidationError.forField(field("target"), `must sum to 1, sums to ${sum}`);
    }
  }
}
