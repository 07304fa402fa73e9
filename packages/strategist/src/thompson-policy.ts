import type { Provider, Rng } from "@aurora/domain";
import type { ArmStatisticsSnapshot } from "./arm-statistics.js";
import type { BanditEstimate } from "./bandit-model.js";
import { BanditModel, emptyBanditEstimate } from "./bandit-model.js";
import type { BanditParams } from "./bandit-options.js";
import { banditRules } from "./bandit-options.js";
import { betaSample } from "./gamma-sampler.js";
import { LearningCounters } from "./learning-counters.js";
import { checkLearningChoose, checkLearningUpdate } from "./learning-input-checks.js";
import { MODEL_FORMAT, MODEL_VERSION } from "./model-snapshot.js";
import { NormalSampler } from "./normal-sampler.js";
import type { OptionRules } from "./option-rules.js";
import { integerRule, resolveOptions } from "./option-rules.js";
import type { Choice, ChooseRequest, Policy, RewardUpdate, StrategistStats, UpdateResult } from "./policy.js";
import { requireRng, restoreLastEpsilon, snapshotSettings } from "./policy-setup.js";
import { own } from "./snapshot-fields.js";

export interface ThompsonParams extends BanditParams {
  /** Extra posterior draws that estimate the pick's propensity. Default 100. */
  propensityDraws: number;
}

export type ThompsonOptions = Partial<ThompsonParams>;

const thompsonRules: OptionRules<ThompsonParams> = {
  ...banditRules,
  propensityDraws: integerRule(100, 10, 100_000, "extra posterior draws that estimate the propensity"),
};

export function resolveThompsonOptions(input: unknown, root?: string): ThompsonParams {
  return resolveOptions("thompson", thompsonRules, input, root);
}

export interface ThompsonSnapshot {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: "thompson";
  params: ThompsonParams;
  decision_count: number;
  total_rewards: number;
  reward_history: number[];
  states: string[];
  arms: ArmStatisticsSnapshot;
  /** The exploration probability of the last decision (1 − propensity of the best mean). */
  last_epsilon: number;
}

export interface ThompsonPolicyOptions extends ThompsonOptions {
  rng?: Rng;
}

/**
 * Thompson sampling per state over the decomposed reward (registry kind `"thompson"`;
 * Thompson 1933, Chapelle & Li 2011), discounted (Raj & Kalyani 2017). For each candidate it
 * draws a failure probability q̃ ~ Beta(a, b) and a mean success residual r̃ ~ N(r, v) from
 * {@link BanditModel}'s posterior and scores (1 − q̃)·(known + promise + r̃) + q̃·failure_reward;
 * the best draw wins (the first on a tie). A Ψ density d shrinks each draw towards its mean by
 * 1 − 0.5·d.
 *
 * Propensity: `propensityDraws` = M further rounds of draws are scored the same way; the
 * pick's propensity is (1 + wins)/(M + 1), counting the decision's own round as one of M + 1
 * from the same distribution, so it is never 0. `epsilon` is 1 − the propensity of the
 * candidate with the best mean, estimated the same way.
 */
export class ThompsonPolicy implements Policy {
  readonly name = "thompson" as const;
  readonly #params: ThompsonParams;
  readonly #rng: Rng;
  readonly #normal: NormalSampler;
  readonly #model: BanditModel;
  readonly #counters = new LearningCounters();
  readonly #seen = new Set<string>();
  #estimates: BanditEstimate[] = [];
  #wins = new Int32Array(8);
  #lastEpsilon = 0;

  constructor(options: ThompsonPolicyOptions = {}) {
    const { rng, ...params } = options ?? {};
    this.#rng = requireRng(rng);
    this.#normal = new NormalSampler(this.#rng);
    this.#params = resolveThompsonOptions(params);
    this.#model = new BanditModel(this.#params);
  }

  get params(): ThompsonParams {
    return structuredClone(this.#params);
  }

  choose(request: ChooseRequest): Choice {
    const scale = checkLearningChoose(request, this.#seen);
    const { stateKey, context, candidates } = request;
    const n = candidates.length;
    const estimates = this.#fill(n);
    let greedy = 0;
    for (let i = 0; i < n; i++) {
      const estimate = estimates[i] as BanditEstimate;
      this.#model.estimate(stateKey, context, candidates[i] as Provider, estimate);
      if (estimate.value > (estimates[greedy] as BanditEstimate).value) greedy = i;
    }
    const pick = this.#draw(n, scale);
    if (this.#wins.length < n) this.#wins = new Int32Array(n * 2);
    const wins = this.#wins;
    wins.fill(0, 0, n);
    const draws = this.#params.propensityDraws;
    for (let d = 0; d < draws; d++) {
      const winner = this.#draw(n, scale);
      wins[winner] = (wins[winner] as number) + 1;
    }
    const probability = (1 + (wins[pick] as number)) / (draws + 1);
    this.#lastEpsilon = 1 - ((wins[greedy] as number) + (pick === greedy ? 1 : 0)) / (draws + 1);
    this.#counters.decided(stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (estimates[pick] as BanditEstimate).value,
      epsilon: this.#lastEpsilon,
      probability,
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
    return this.#counters.stats(this.#lastEpsilon);
  }

  toJSON(): ThompsonSnapshot {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params: this.params,
      ...this.#counters.toJSON(),
      arms: this.#model.toJSON(),
      last_epsilon: this.#lastEpsilon,
    };
  }

  /** Restores a snapshot; settings come from its `params`, each overridden by `options`. */
  static fromJSON(snapshot: unknown, options: ThompsonPolicyOptions = {}): ThompsonPolicy {
    const { rng, ...overrides } = options ?? {};
    const settings = snapshotSettings("thompson", resolveThompsonOptions, snapshot, overrides);
    const policy = new ThompsonPolicy({ ...settings.params, ...(rng !== undefined ? { rng } : {}) });
    policy.#counters.restore(settings.snapshot);
    policy.#model.restore(own(settings.snapshot, "arms"), "arms");
    policy.#lastEpsilon = restoreLastEpsilon(own(settings.snapshot, "last_epsilon"));
    return policy;
  }

  /** One round of draws for the first `n` estimates; returns the best (the first on a tie). */
  #draw(n: number, scale: number): number {
    const failureReward = this.#params.rewardWeights.failure_reward;
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      const e = this.#estimates[i] as BanditEstimate;
      let q = betaSample(e.failureA, e.failureB, this.#rng, this.#normal);
      let residual = e.residual + Math.sqrt(e.residualVariance) * this.#normal.next();
      if (scale !== 1) {
        q = e.failure + scale * (q - e.failure);
        residual = e.residual + scale * (residual - e.residual);
      }
      const score = (1 - q) * (e.successBase + residual) + q * failureReward;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }

  #fill(n: number): BanditEstimate[] {
    while (this.#estimates.length < n) this.#estimates.push(emptyBanditEstimate());
    return this.#estimates;
  }
}
