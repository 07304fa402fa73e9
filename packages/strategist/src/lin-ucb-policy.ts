import type { Provider, Rng } from "@aurora/domain";
import type { FeatureRoom } from "./context-features.js";
import type { ExplorationFloorParams } from "./exploration-floor.js";
import { explorationFloorRule, floorPropensity, pickWithFloor } from "./exploration-floor.js";
import type { LearningSnapshotHead } from "./learning-policy.js";
import { ucbIndex } from "./linear-candidates.js";
import type { LinearModelParams } from "./linear-model-options.js";
import { linearModelRules } from "./linear-model-options.js";
import type { CandidateEstimate, LinearOutcomeModel, LinearOutcomeModelSnapshot } from "./linear-outcome-model.js";
import { LinearOutcomePolicy } from "./linear-outcome-policy.js";
import type { OptionRules } from "./option-rules.js";
import { numberRule, resolveOptions, withDefaults } from "./option-rules.js";
import type { Choice, ChooseRequest } from "./policy.js";
import { requireRng } from "./policy-setup.js";
import type { SparseVector } from "./sparse-vector.js";

export interface LinUcbParams extends LinearModelParams, ExplorationFloorParams {
  /** Width of the confidence bound in posterior standard deviations. Default 1.232. */
  alpha: number;
}

export type LinUcbOptions = Partial<LinUcbParams>;

/**
 * `lin-ucb`'s own defaults where they differ from the outcome model's shared ones (which
 * `lin-thompson` keeps). Found by a joint random search over the options, scored by the sum of
 * the six 5,000-step scenarios' regret on seeds 11–40, and kept after a check declared before it
 * ran, on 200 seeds no choice had looked at (131–330): that sum 1,516 → 1,338 (−12%, paired
 * s.e. 52), every scenario lower (outage 385 → 359, `newcomer` 144 → 122). The larger failure
 * ridge costs `many-states` (10,800 states) ~16%. See the package README, "Choosing `lin-ucb`'s defaults".
 */
const LIN_UCB_MODEL_DEFAULTS: Readonly<Partial<LinearModelParams>> = Object.freeze({
  discount: 0.999455,
  failureDiscount: 0.999858,
  ridge: 191,
  successRidge: 3.4,
  shiftHalfLife: 860,
  successShiftHalfLife: 292,
  shiftPrior: 0.000111,
  shiftStartRate: 0.0000609,
});

function alphaRule(defaultValue: number) {
  return numberRule(
    defaultValue,
    (v) => Number.isFinite(v) && v >= 0,
    "must be a finite number ≥ 0 (width of the confidence bound in standard deviations)",
  );
}

const linUcbRules: OptionRules<LinUcbParams> = {
  ...withDefaults(linearModelRules, LIN_UCB_MODEL_DEFAULTS),
  alpha: alphaRule(1.232),
  explorationFloor: explorationFloorRule,
};

/**
 * The defaults `lin-ucb` had before {@link LIN_UCB_MODEL_DEFAULTS} (the shared ones, α 1). An
 * option a snapshot's `params` lack (it was written before the option existed) is filled from
 * these, as it was before `lin-ucb` had defaults of its own, so tuning them changes no saved
 * model.
 */
const snapshotRules: OptionRules<LinUcbParams> = {
  ...linearModelRules,
  alpha: alphaRule(1),
  explorationFloor: explorationFloorRule,
};

export function resolveLinUcbOptions(input: unknown, root?: string): LinUcbParams {
  return resolveOptions("lin-ucb", linUcbRules, input, root);
}

function resolveSnapshotOptions(input: unknown, root?: string): LinUcbParams {
  return resolveOptions("lin-ucb", snapshotRules, input, root);
}

export interface LinUcbSnapshot extends LearningSnapshotHead<"lin-ucb", LinUcbParams> {
  model: LinearOutcomeModelSnapshot;
}

export interface LinUcbPolicyOptions extends LinUcbOptions {
  /** Only drawn from when `explorationFloor` > 0. */
  rng?: Rng;
}

/**
 * LinUCB over the decomposed reward (registry kind `"lin-ucb"`; Li et al. 2010, with the
 * discounting of D-LinUCB, Russac et al. 2019). Each candidate's expected reward is
 * (1 − q)·(known + promise + residual) + q·failure_reward, q and the residual coming from a
 * {@link LinearOutcomeModel} shared by every state; the pick maximises expected reward +
 * α·(its posterior standard deviation), capped at what that index would be were the candidate
 * not shifted (see {@link ucbIndex}), the first on a tie. Deterministic given the model:
 * the pick's probability is 1 (and every other candidate's 0) unless `explorationFloor` ε > 0,
 * when a uniform pick is made with probability ε and the propensity is ε/n + (1 − ε)·[UCB pick].
 * A Ψ density d scales α and ε by 1 − 0.5·d.
 */
export class LinUcbPolicy extends LinearOutcomePolicy<"lin-ucb", LinUcbParams> {
  readonly name = "lin-ucb" as const;

  constructor(options: LinUcbPolicyOptions = {}) {
    const { rng, ...params } = options ?? {};
    super(requireRng(rng), resolveLinUcbOptions(params));
  }

  choose(request: ChooseRequest): Choice {
    const scale = this.checkChoose(request);
    const { candidates } = request;
    const n = candidates.length;
    const scratch = this.scratch;
    const ucbPick = this.#scan(request, scale);
    let greedy = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      const value = (scratch.estimates[i] as CandidateEstimate).value;
      if (value > bestValue) {
        bestValue = value;
        greedy = i;
      }
    }
    this.keepChosen(request, scratch.estimates);
    const epsilon = this.settings.explorationFloor * scale;
    const pick = pickWithFloor(ucbPick, n, epsilon, this.rng);
    this.decided(request.stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (scratch.estimates[pick] as CandidateEstimate).value,
      epsilon,
      probability: floorPropensity(pick, ucbPick, n, epsilon),
    };
  }

  /**
   * Each candidate's chance of being picked: 1 for the highest index (the first on a tie) and 0
   * for the others, or ε/n + (1 − ε)·[highest index] with `explorationFloor` ε. A candidate
   * that would get features of its own at `choose` (a provider, or a provider × context value,
   * not seen yet, room allowing) is judged with them as `choose` would create them, at their
   * prior, without creating them: the model is only read.
   */
  probabilities(request: ChooseRequest): number[] {
    const scale = this.checkChoose(request);
    const n = request.candidates.length;
    const ucbPick = this.#scan(request, scale, this.model.featureRoom());
    const epsilon = this.settings.explorationFloor * scale;
    return Array.from({ length: n }, (_, i) => floorPropensity(i, ucbPick, n, epsilon));
  }

  toJSON(): LinUcbSnapshot {
    return { ...this.snapshotHead(), model: this.model.toJSON() };
  }

  /** Restores a snapshot; settings come from its `params`, each overridden by `options`. */
  static fromJSON(snapshot: unknown, options: LinUcbPolicyOptions = {}): LinUcbPolicy {
    return LinUcbPolicy.restored("lin-ucb", resolveSnapshotOptions, snapshot, options, (settings) => new LinUcbPolicy(settings));
  }

  protected exploration(): number {
    return this.settings.explorationFloor;
  }

  /**
   * Estimates the request's candidates into the scratch and returns the one with the highest
   * {@link ucbIndex}, α scaled by `scale`, the first on a tie. With `ahead` (the model's
   * {@link LinearOutcomeModel.featureRoom}) the features `choose` would create are previewed,
   * not created; without it they are created.
   */
  #scan(request: ChooseRequest, scale: number, ahead?: FeatureRoom): number {
    const { context, candidates } = request;
    const n = candidates.length;
    const scratch = this.scratch;
    scratch.ensure(n);
    const failureReward = this.settings.rewardWeights.failure_reward;
    const alpha = this.settings.alpha * scale;
    let ucbPick = 0;
    let bestIndex = -Infinity;
    for (let i = 0; i < n; i++) {
      const estimate = scratch.estimates[i] as CandidateEstimate;
      const failureX = scratch.failureX[i] as SparseVector;
      const successX = scratch.successX[i] as SparseVector;
      if (ahead === undefined) this.model.estimate(context, candidates[i] as Provider, true, failureX, successX, estimate);
      else this.model.estimateAhead(context, candidates[i] as Provider, ahead, failureX, successX, estimate);
      const index = ucbIndex(estimate, failureReward, alpha);
      if (index > bestIndex) {
        bestIndex = index;
        ucbPick = i;
      }
    }
    return ucbPick;
  }
}
