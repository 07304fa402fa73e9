import type { Provider, Rng } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import { decayedEpsilon } from "./epsilon-greedy.js";
import type { LearningSnapshotHead } from "./learning-policy.js";
import { LearningPolicy } from "./learning-policy.js";
import { priorFailureRateRule, shiftHalfLifeRule, shiftPriorRule } from "./linear-model-options.js";
import type { LinearValueModelSnapshot, ValueEstimate } from "./linear-value-model.js";
import { emptyValueEstimate, LinearValueModel } from "./linear-value-model.js";
import { MODEL_FORMAT, MODEL_VERSION } from "./model-snapshot.js";
import type { OptionRules } from "./option-rules.js";
import { integerRule, numberRule, resolveOptions } from "./option-rules.js";
import type { Choice, ChooseRequest, RewardUpdate } from "./policy.js";
import { requireRng } from "./policy-setup.js";
import type { PolicyRewardWeights } from "./reward-decomposition.js";
import { rewardWeightsRule } from "./reward-decomposition.js";
import type { JsonObject } from "./snapshot-fields.js";
import { own, requireFinite } from "./snapshot-fields.js";

export interface LinearValueParams {
  /** ε of the ε-greedy exploration at the start. Default 0.05. */
  epsilon: number;
  /** ε is multiplied by it at each learned reward. Default 0.999. */
  epsilonDecay: number;
  /** The floor ε decays to. Default 0.01. */
  epsilonMin: number;
  /** c: width of the optimism bonus, in standard deviations of the value. Default 0.3. */
  optimism: number;
  /** log₂ of the weight table's size. Default 16 (65,536 weights per model). */
  hashBits: number;
  /** m: observations a weight's prior is worth. Default 20. */
  priorStrength: number;
  /** The smallest step a weight takes (1/learningRate outcomes of memory). Default 0.002. */
  learningRate: number;
  /** Failure probability assumed before anything is learned. Default 0.05. */
  priorFailureRate: number;
  /**
   * Half-life, in learned rewards, of a provider's shift (an outage's chance of ending, the
   * fading of the belief, and of its success evidence); 0 turns shift detection off. Default 300.
   */
  shiftHalfLife: number;
  /** Prior probability, per outcome, that a provider's behaviour shifts. Default 0.0002. */
  shiftPrior: number;
  /** The engine's reward weights (the SPEC's by default), for the reward's known part. */
  rewardWeights: PolicyRewardWeights;
}

export type LinearValueOptions = Partial<LinearValueParams>;

const linearValueRules: OptionRules<LinearValueParams> = {
  epsilon: numberRule(0.05, (v) => v >= 0 && v <= 1, "must be a number from 0 to 1 (the exploration rate ε)"),
  epsilonDecay: numberRule(
    0.999,
    (v) => v > 0 && v <= 1,
    "must be a number greater than 0 and at most 1 (ε is multiplied by it once per learned reward)",
  ),
  epsilonMin: numberRule(0.01, (v) => v >= 0 && v <= 1, "must be a number from 0 to 1 (the floor ε decays to)"),
  optimism: numberRule(0.3, (v) => Number.isFinite(v) && v >= 0, "must be a finite number ≥ 0 (width of the optimism bonus)"),
  hashBits: integerRule(16, 8, 24, "log₂ of the weight table's size"),
  priorStrength: numberRule(
    20,
    (v) => Number.isFinite(v) && v >= 1e-6,
    "must be a finite number ≥ 0.000001 (observations a weight's prior is worth)",
  ),
  learningRate: numberRule(
    0.002,
    (v) => v > 0 && v <= 1,
    "must be a number greater than 0 and at most 1 (the smallest step a weight takes)",
  ),
  priorFailureRate: priorFailureRateRule,
  shiftHalfLife: { ...shiftHalfLifeRule, default: 300 },
  shiftPrior: shiftPriorRule,
  rewardWeights: rewardWeightsRule,
};

export function resolveLinearValueOptions(input: unknown, root?: string): LinearValueParams {
  return resolveOptions("linear-value", linearValueRules, input, root);
}

export interface LinearValueSnapshot extends LearningSnapshotHead<"linear-value", LinearValueParams> {
  /** The current, decayed ε. */
  epsilon: number;
  model: LinearValueModelSnapshot;
}

export interface LinearValuePolicyOptions extends LinearValueOptions {
  rng?: Rng;
}

/**
 * Function approximation for large state spaces (registry kind `"linear-value"`): the seed's
 * roadmap item "DQN", as a value model over context features rather than a table — see
 * {@link LinearValueModel}. A decision takes the candidate with the highest
 * value + c·(its standard deviation) (the first on a tie), or, with probability ε, a uniform
 * one (two draws, as the seed's ε-greedy: u < ε explores, then ⌊n·u′⌋). Propensity
 * ε/n + (1 − ε)·[optimistic pick]; ε decays once per learned reward to `epsilonMin`. A Ψ
 * density d scales ε and c by 1 − 0.5·d.
 */
export class LinearValuePolicy extends LearningPolicy<"linear-value", LinearValueParams, LinearValueModel> {
  readonly name = "linear-value" as const;
  #estimates: ValueEstimate[] = [];
  #epsilon: number;

  constructor(options: LinearValuePolicyOptions = {}) {
    const { rng, ...params } = options ?? {};
    const checkedRng = requireRng(rng);
    const settings = resolveLinearValueOptions(params);
    super(checkedRng, settings, new LinearValueModel(settings), "model");
    this.#epsilon = settings.epsilon;
  }

  choose(request: ChooseRequest): Choice {
    const scale = this.checkChoose(request);
    const { stateKey, candidates } = request;
    const n = candidates.length;
    const estimates = this.#fill(n);
    const optimistic = this.#scan(request, scale);
    let greedy = 0;
    for (let i = 1; i < n; i++) {
      if ((estimates[i] as ValueEstimate).value > (estimates[greedy] as ValueEstimate).value) greedy = i;
    }
    this.keepChosen(request, estimates);
    const epsilon = this.#epsilon * scale;
    const explore = this.rng() < epsilon;
    const pick = explore ? Math.min(n - 1, Math.floor(this.rng() * n)) : optimistic;
    this.decided(stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: explore || pick !== greedy ? "explore" : "exploit",
      estimate: (estimates[pick] as ValueEstimate).value,
      epsilon,
      probability: epsilon / n + (pick === optimistic ? 1 - epsilon : 0),
    };
  }

  /**
   * Each candidate's chance of being picked: ε/n + (1 − ε)·[highest value + c·sd, the first on
   * a tie], ε the current ε after the Ψ adjustment. Reads the model only.
   */
  probabilities(request: ChooseRequest): number[] {
    const scale = this.checkChoose(request);
    const n = request.candidates.length;
    const optimistic = this.#scan(request, scale);
    const epsilon = this.#epsilon * scale;
    return Array.from({ length: n }, (_, i) => epsilon / n + (i === optimistic ? 1 - epsilon : 0));
  }

  toJSON(): LinearValueSnapshot {
    // Not snapshotHead(): saved files keep `epsilon` ahead of the counters, as they always have.
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params: this.params,
      epsilon: this.#epsilon,
      ...this.counts(),
      model: this.model.toJSON(),
    };
  }

  /** Restores a snapshot; settings come from its `params`, each overridden by `options`; ε from the snapshot. */
  static fromJSON(snapshot: unknown, options: LinearValuePolicyOptions = {}): LinearValuePolicy {
    const create = (settings: LinearValuePolicyOptions) => new LinearValuePolicy(settings);
    return LinearValuePolicy.restored("linear-value", resolveLinearValueOptions, snapshot, options, create);
  }

  protected override restore(saved: JsonObject): void {
    super.restore(saved);
    const epsilon = requireFinite(own(saved, "epsilon"), "epsilon");
    if (epsilon < 0 || epsilon > 1)
      throw ValidationError.forField("epsilon", "must be a number from 0 to 1 (the current exploration rate)");
    this.#epsilon = epsilon;
  }

  protected exploration(): number {
    return this.#epsilon;
  }

  protected values(request: ChooseRequest): number[] {
    const estimate = this.#fill(1)[0] as ValueEstimate;
    this.model.setContext(request.context);
    return request.candidates.map((candidate) => {
      this.model.estimate(request.context, candidate, estimate);
      return estimate.value;
    });
  }

  protected valueFor(update: RewardUpdate): number {
    const estimate = this.#fill(1)[0] as ValueEstimate;
    this.model.setContext(update.context);
    this.model.estimate(update.context, update.provider, estimate);
    return estimate.value;
  }

  protected override learned(update: RewardUpdate): void {
    if (update.settled === true) return;
    this.#epsilon = decayedEpsilon(this.#epsilon, this.settings.epsilonDecay, this.settings.epsilonMin);
  }

  /**
   * Estimates the request's candidates into the reusable estimates and returns the one with the
   * highest value + c·sd (c = optimism × `scale`), the first on a tie.
   */
  #scan(request: ChooseRequest, scale: number): number {
    const { context, candidates } = request;
    const n = candidates.length;
    const estimates = this.#fill(n);
    const c = this.settings.optimism * scale;
    this.model.setContext(context);
    let optimistic = 0;
    let bestIndex = -Infinity;
    for (let i = 0; i < n; i++) {
      const estimate = estimates[i] as ValueEstimate;
      this.model.estimate(context, candidates[i] as Provider, estimate);
      const spread = estimate.successValue - this.settings.rewardWeights.failure_reward;
      const keep = 1 - estimate.failure;
      const sd = Math.sqrt(
        spread * spread * estimate.failureSd * estimate.failureSd + keep * keep * estimate.successSd * estimate.successSd,
      );
      const index = estimate.value + c * sd;
      if (index > bestIndex) {
        bestIndex = index;
        optimistic = i;
      }
    }
    return optimistic;
  }

  #fill(n: number): ValueEstimate[] {
    while (this.#estimates.length < n) this.#estimates.push(emptyValueEstimate());
    return this.#estimates;
  }
}
