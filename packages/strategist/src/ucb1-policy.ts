import type { Provider, Rng } from "@aurora/domain";
import type { ArmStatisticsSnapshot } from "./arm-statistics.js";
import type { BanditEstimate } from "./bandit-model.js";
import { BanditModel, emptyBanditEstimate } from "./bandit-model.js";
import type { BanditParams } from "./bandit-options.js";
import { banditRules } from "./bandit-options.js";
import { LearningCounters } from "./learning-counters.js";
import { checkLearningChoose, checkLearningUpdate } from "./learning-input-checks.js";
import { MODEL_FORMAT, MODEL_VERSION } from "./model-snapshot.js";
import type { OptionRules } from "./option-rules.js";
import { numberRule, resolveOptions } from "./option-rules.js";
import type { Choice, ChooseRequest, Policy, RewardUpdate, StrategistStats, UpdateResult } from "./policy.js";
import { requireRng, snapshotSettings } from "./policy-setup.js";
import { own } from "./snapshot-fields.js";

export interface Ucb1Params extends BanditParams {
  /** c: width of the confidence bonus. Default 0.3. */
  exploration: number;
  /** ε of an optional uniform exploration mixed in, so every candidate keeps a nonzero propensity. Default 0. */
  explorationFloor: number;
}

export type Ucb1Options = Partial<Ucb1Params>;

const ucb1Rules: OptionRules<Ucb1Params> = {
  ...banditRules,
  exploration: numberRule(
    0.3,
    (v) => Number.isFinite(v) && v >= 0,
    "must be a finite number ≥ 0 (c, the width of the confidence bonus)",
  ),
  explorationFloor: numberRule(
    0,
    (v) => v >= 0 && v <= 1,
    "must be a number from 0 to 1 (ε of the uniform exploration mixed in)",
  ),
};

export function resolveUcb1Options(input: unknown, root?: string): Ucb1Params {
  return resolveOptions("ucb1", ucb1Rules, input, root);
}

export interface Ucb1Snapshot {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: "ucb1";
  params: Ucb1Params;
  decision_count: number;
  total_rewards: number;
  reward_history: number[];
  states: string[];
  arms: ArmStatisticsSnapshot;
}

export interface Ucb1PolicyOptions extends Ucb1Options {
  /** Only drawn from when `explorationFloor` > 0. */
  rng?: Rng;
}

/**
 * UCB1 (Auer, Cesa-Bianchi & Fischer 2002) per state over the decomposed reward (registry
 * kind `"ucb1"`), discounted (D-UCB, Garivier & Moulines 2011). Each candidate's index is
 *   value + c·σ·√(2·ln N / n),
 * value = (1 − q)·(known + promise + residual) + q·failure_reward from {@link BanditModel},
 * n the arm's effective count (prior included), N the sum of n over the candidates, and σ the
 * estimated standard deviation of one job's reward with that arm — UCB1's bonus for rewards in
 * [0, 1], scaled by the spread the reward actually has rather than by its whole range
 * (−20 to +10 would explore about thirty times too much). The highest index wins, the first on
 * a tie; the pick's propensity is 1 unless `explorationFloor` ε > 0 mixes in a uniform pick
 * (ε/n + (1 − ε)·[UCB pick]). A Ψ density d scales c and ε by 1 − 0.5·d.
 */
export class Ucb1Policy implements Policy {
  readonly name = "ucb1" as const;
  readonly #params: Ucb1Params;
  readonly #rng: Rng;
  readonly #model: BanditModel;
  readonly #counters = new LearningCounters();
  readonly #seen = new Set<string>();
  #estimates: BanditEstimate[] = [];

  constructor(options: Ucb1PolicyOptions = {}) {
    const { rng, ...params } = options ?? {};
    this.#rng = requireRng(rng);
    this.#params = resolveUcb1Options(params);
    this.#model = new BanditModel(this.#params);
  }

  get params(): Ucb1Params {
    return structuredClone(this.#params);
  }

  choose(request: ChooseRequest): Choice {
    const scale = checkLearningChoose(request, this.#seen);
    const { stateKey, context, candidates } = request;
    const n = candidates.length;
    const estimates = this.#fill(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const estimate = estimates[i] as BanditEstimate;
      this.#model.estimate(stateKey, context, candidates[i] as Provider, estimate);
      total += estimate.count;
    }
    const logTotal = Math.log(Math.max(total, Math.E));
    const c = this.#params.exploration * scale;
    let greedy = 0;
    let ucbPick = 0;
    let bestIndex = -Infinity;
    for (let i = 0; i < n; i++) {
      const estimate = estimates[i] as BanditEstimate;
      const index = estimate.value + c * estimate.rewardSd * Math.sqrt((2 * logTotal) / estimate.count);
      if (estimate.value > (estimates[greedy] as BanditEstimate).value) greedy = i;
      if (index > bestIndex) {
        bestIndex = index;
        ucbPick = i;
      }
    }
    const epsilon = this.#params.explorationFloor * scale;
    let pick = ucbPick;
    if (epsilon > 0 && this.#rng() < epsilon) pick = Math.min(n - 1, Math.floor(this.#rng() * n));
    this.#counters.decided(stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (estimates[pick] as BanditEstimate).value,
      epsilon,
      probability: epsilon / n + (pick === ucbPick ? 1 - epsilon : 0),
    };
  }

  estimate(request: ChooseRequest): number[] {
    checkLearningChoose(request, this.#seen);
    const estimate = this.#fill(1)[0] as BanditEstimate;
    return request.candidates.map((candidate) => {
      this.#model.estimate(request.stateKey, request.context, candidate, estimate);
      return estimate.value;
    });
  }

  update(update: RewardUpdate): UpdateResult {
    checkLearningUpdate(update);
    const estimate = this.#fill(1)[0] as BanditEstimate;
    this.#model.estimate(update.stateKey, update.context, update.provider, estimate);
    const before = estimate.value;
    this.#model.update(update);
    this.#counters.learned(update.stateKey, update.reward);
    this.#model.estimate(update.stateKey, update.context, update.provider, estimate);
    return { before, after: estimate.value };
  }

  stats(): StrategistStats {
    return this.#counters.stats(this.#params.explorationFloor);
  }

  toJSON(): Ucb1Snapshot {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params: this.params,
      ...this.#counters.toJSON(),
      arms: this.#model.toJSON(),
    };
  }

  /** Restores a snapshot; settings come from its `params`, each overridden by `options`. */
  static fromJSON(snapshot: unknown, options: Ucb1PolicyOptions = {}): Ucb1Policy {
    const { rng, ...overrides } = options ?? {};
    const settings = snapshotSettings("ucb1", resolveUcb1Options, snapshot, overrides);
    const policy = new Ucb1Policy({ ...settings.params, ...(rng !== undefined ? { rng } : {}) });
    policy.#counters.restore(settings.snapshot);
    policy.#model.restore(own(settings.snapshot, "arms"), "arms");
    return policy;
  }

  #fill(n: number): BanditEstimate[] {
    while (this.#estimates.length < n) this.#estimates.push(emptyBanditEstimate());
    return this.#estimates;
  }
}
