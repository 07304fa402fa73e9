import type { Provider, Rng } from "@aurora/domain";
import { LearningCounters } from "./learning-counters.js";
import { checkLearningChoose, checkLearningUpdate } from "./learning-input-checks.js";
import { CandidateScratch, estimateAll, estimateOne, rewardSd } from "./linear-candidates.js";
import type { LinearModelParams } from "./linear-model-options.js";
import { linearModelRules } from "./linear-model-options.js";
import type { CandidateEstimate, LinearOutcomeModelSnapshot } from "./linear-outcome-model.js";
import { LinearOutcomeModel } from "./linear-outcome-model.js";
import { MODEL_FORMAT, MODEL_VERSION } from "./model-snapshot.js";
import type { OptionRules } from "./option-rules.js";
import { numberRule, resolveOptions } from "./option-rules.js";
import type { Choice, ChooseRequest, Policy, RewardUpdate, StrategistStats, UpdateResult } from "./policy.js";
import { requireRng, snapshotSettings } from "./policy-setup.js";
import { own } from "./snapshot-fields.js";
import type { SparseVector } from "./sparse-vector.js";

export interface LinUcbParams extends LinearModelParams {
  /** Width of the confidence bound in posterior standard deviations. Default 0.7. */
  alpha: number;
  /** ε of an optional uniform exploration mixed in, so every candidate keeps a nonzero propensity. Default 0. */
  explorationFloor: number;
}

export type LinUcbOptions = Partial<LinUcbParams>;

const linUcbRules: OptionRules<LinUcbParams> = {
  ...linearModelRules,
  alpha: numberRule(
    0.7,
    (v) => Number.isFinite(v) && v >= 0,
    "must be a finite number ≥ 0 (width of the confidence bound in standard deviations)",
  ),
  explorationFloor: numberRule(
    0,
    (v) => v >= 0 && v <= 1,
    "must be a number from 0 to 1 (ε of the uniform exploration mixed in)",
  ),
};

export function resolveLinUcbOptions(input: unknown, root?: string): LinUcbParams {
  return resolveOptions("lin-ucb", linUcbRules, input, root);
}

export interface LinUcbSnapshot {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: "lin-ucb";
  params: LinUcbParams;
  decision_count: number;
  total_rewards: number;
  reward_history: number[];
  states: string[];
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
 * α·(its posterior standard deviation), the first on a tie. Deterministic given the model:
 * the pick's probability is 1 (and every other candidate's 0) unless `explorationFloor` ε > 0,
 * when a uniform pick is made with probability ε and the propensity is ε/n + (1 − ε)·[UCB pick].
 * A Ψ density d scales α and ε by 1 − 0.5·d.
 */
export class LinUcbPolicy implements Policy {
  readonly name = "lin-ucb" as const;
  readonly #params: LinUcbParams;
  readonly #rng: Rng;
  readonly #model: LinearOutcomeModel;
  readonly #counters = new LearningCounters();
  readonly #scratch = new CandidateScratch();
  readonly #seen = new Set<string>();

  constructor(options: LinUcbPolicyOptions = {}) {
    const { rng, ...params } = options ?? {};
    this.#rng = requireRng(rng);
    this.#params = resolveLinUcbOptions(params);
    this.#model = new LinearOutcomeModel(this.#params);
  }

  get params(): LinUcbParams {
    return structuredClone(this.#params);
  }

  choose(request: ChooseRequest): Choice {
    const scale = checkLearningChoose(request, this.#seen);
    const { context, candidates } = request;
    const n = candidates.length;
    const scratch = this.#scratch;
    scratch.ensure(n);
    const failureReward = this.#params.rewardWeights.failure_reward;
    const alpha = this.#params.alpha * scale;
    let greedy = 0;
    let ucbPick = 0;
    let bestValue = -Infinity;
    let bestIndex = -Infinity;
    for (let i = 0; i < n; i++) {
      const estimate = scratch.estimates[i] as CandidateEstimate;
      this.#model.estimate(
        context,
        candidates[i] as Provider,
        true,
        scratch.failureX[i] as SparseVector,
        scratch.successX[i] as SparseVector,
        estimate,
      );
      const index = estimate.value + alpha * rewardSd(estimate, failureReward);
      if (estimate.value > bestValue) {
        bestValue = estimate.value;
        greedy = i;
      }
      if (index > bestIndex) {
        bestIndex = index;
        ucbPick = i;
      }
    }
    const epsilon = this.#params.explorationFloor * scale;
    let pick = ucbPick;
    if (epsilon > 0 && this.#rng() < epsilon) pick = Math.min(n - 1, Math.floor(this.#rng() * n));
    this.#counters.decided(request.stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (scratch.estimates[pick] as CandidateEstimate).value,
      epsilon,
      probability: epsilon / n + (pick === ucbPick ? 1 - epsilon : 0),
    };
  }

  estimate(request: ChooseRequest): number[] {
    checkLearningChoose(request, this.#seen);
    return estimateAll(this.#model, request, this.#scratch);
  }

  update(update: RewardUpdate): UpdateResult {
    checkLearningUpdate(update);
    const before = estimateOne(this.#model, update, this.#scratch);
    this.#model.update(update);
    this.#counters.learned(update.stateKey, update.reward);
    return { before, after: estimateOne(this.#model, update, this.#scratch) };
  }

  stats(): StrategistStats {
    return this.#counters.stats(this.#params.explorationFloor);
  }

  toJSON(): LinUcbSnapshot {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params: this.params,
      ...this.#counters.toJSON(),
      model: this.#model.toJSON(),
    };
  }

  /** Restores a snapshot; settings come from its `params`, each overridden by `options`. */
  static fromJSON(snapshot: unknown, options: LinUcbPolicyOptions = {}): LinUcbPolicy {
    const { rng, ...overrides } = options ?? {};
    const settings = snapshotSettings("lin-ucb", resolveLinUcbOptions, snapshot, overrides);
    const value = settings.snapshot;
    const policy = new LinUcbPolicy({ ...settings.params, ...(rng !== undefined ? { rng } : {}) });
    policy.#counters.restore(value);
    policy.#model.restore(own(value, "model"), "model");
    return policy;
  }
}
