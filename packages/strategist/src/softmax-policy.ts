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
import { requireRng, restoreLastEpsilon, snapshotSettings } from "./policy-setup.js";
import { own } from "./snapshot-fields.js";

export interface SoftmaxParams extends BanditParams {
  /** τ, in reward units: how much worse a candidate may look and still be picked often. Default 0.15. */
  temperature: number;
}

export type SoftmaxOptions = Partial<SoftmaxParams>;

const softmaxRules: OptionRules<SoftmaxParams> = {
  ...banditRules,
  temperature: numberRule(
    0.15,
    (v) => Number.isFinite(v) && v > 0,
    "must be a finite number > 0 (τ in reward units; lower exploits more)",
  ),
};

export function resolveSoftmaxOptions(input: unknown, root?: string): SoftmaxParams {
  return resolveOptions("softmax", softmaxRules, input, root);
}

export interface SoftmaxSnapshot {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: "softmax";
  params: SoftmaxParams;
  decision_count: number;
  total_rewards: number;
  reward_history: number[];
  states: string[];
  arms: ArmStatisticsSnapshot;
  /** The exploration probability of the last decision (1 − π of the best mean). */
  last_epsilon: number;
}

export interface SoftmaxPolicyOptions extends SoftmaxOptions {
  rng?: Rng;
}

/**
 * Boltzmann (softmax) exploration per state over the decomposed reward (registry kind
 * `"softmax"`; Sutton & Barto §2.8): candidate i is picked with probability
 *   πᵢ = exp(vᵢ/τ) / Σⱼ exp(vⱼ/τ),
 * vᵢ its expected reward from {@link BanditModel}, τ the temperature (× 1 − 0.5·d under a Ψ
 * density d). One uniform draw u picks the first candidate whose cumulative probability
 * exceeds u. The propensity is πᵢ exactly; `epsilon` is 1 − π of the candidate with the best
 * mean (what exploring costs in probability).
 */
export class SoftmaxPolicy implements Policy {
  readonly name = "softmax" as const;
  readonly #params: SoftmaxParams;
  readonly #rng: Rng;
  readonly #model: BanditModel;
  readonly #counters = new LearningCounters();
  readonly #seen = new Set<string>();
  #estimates: BanditEstimate[] = [];
  #weights = new Float64Array(8);
  #lastEpsilon = 0;

  constructor(options: SoftmaxPolicyOptions = {}) {
    const { rng, ...params } = options ?? {};
    this.#rng = requireRng(rng);
    this.#params = resolveSoftmaxOptions(params);
    this.#model = new BanditModel(this.#params);
  }

  get params(): SoftmaxParams {
    return structuredClone(this.#params);
  }

  choose(request: ChooseRequest): Choice {
    const scale = checkLearningChoose(request, this.#seen);
    const { stateKey, context, candidates } = request;
    const n = candidates.length;
    const estimates = this.#fill(n);
    if (this.#weights.length < n) this.#weights = new Float64Array(n * 2);
    const weights = this.#weights;
    let greedy = 0;
    for (let i = 0; i < n; i++) {
      const estimate = estimates[i] as BanditEstimate;
      this.#model.estimate(stateKey, context, candidates[i] as Provider, estimate);
      if (estimate.value > (estimates[greedy] as BanditEstimate).value) greedy = i;
    }
    const temperature = this.#params.temperature * scale;
    const top = (estimates[greedy] as BanditEstimate).value;
    let total = 0;
    for (let i = 0; i < n; i++) {
      // Shifted by the top value so that exp never overflows; a zero temperature (d = 1 cannot reach it) would be greedy.
      const w = Math.exp(((estimates[i] as BanditEstimate).value - top) / temperature);
      weights[i] = w;
      total += w;
    }
    const u = this.#rng() * total;
    let pick = n - 1;
    let cumulative = 0;
    for (let i = 0; i < n; i++) {
      cumulative += weights[i] as number;
      if (u < cumulative) {
        pick = i;
        break;
      }
    }
    this.#lastEpsilon = 1 - (weights[greedy] as number) / total;
    this.#counters.decided(stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (estimates[pick] as BanditEstimate).value,
      epsilon: this.#lastEpsilon,
      probability: (weights[pick] as number) / total,
    };
  }

  /** Every candidate's softmax probability for this request, in order (no side effects). */
  probabilities(request: ChooseRequest): number[] {
    const scale = checkLearningChoose(request, this.#seen);
    const values = this.estimate(request);
    const top = Math.max(...values);
    const weights = values.map((v) => Math.exp((v - top) / (this.#params.temperature * scale)));
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / total);
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

  toJSON(): SoftmaxSnapshot {
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
  static fromJSON(snapshot: unknown, options: SoftmaxPolicyOptions = {}): SoftmaxPolicy {
    const { rng, ...overrides } = options ?? {};
    const settings = snapshotSettings("softmax", resolveSoftmaxOptions, snapshot, overrides);
    const policy = new SoftmaxPolicy({ ...settings.params, ...(rng !== undefined ? { rng } : {}) });
    policy.#counters.restore(settings.snapshot);
    policy.#model.restore(own(settings.snapshot, "arms"), "arms");
    policy.#lastEpsilon = restoreLastEpsilon(own(settings.snapshot, "last_epsilon"));
    return policy;
  }

  #fill(n: number): BanditEstimate[] {
    while (this.#estimates.length < n) this.#estimates.push(emptyBanditEstimate());
    return this.#estimates;
  }
}
