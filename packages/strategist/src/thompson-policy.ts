import type { Provider, Rng } from "@aurora/domain";
import type { ArmStatisticsSnapshot } from "./arm-statistics.js";
import type { BanditEstimate } from "./bandit-model.js";
import type { BanditParams } from "./bandit-options.js";
import { banditRules } from "./bandit-options.js";
import { BanditPolicy } from "./bandit-policy.js";
import { betaSample } from "./gamma-sampler.js";
import { geometricResample, resampleLimit, resampleStream } from "./geometric-resampling.js";
import type { LearningSnapshotHead } from "./learning-policy.js";
import { NormalSampler } from "./normal-sampler.js";
import type { OptionRules } from "./option-rules.js";
import { integerRule, resolveOptions } from "./option-rules.js";
import type { Choice, ChooseRequest, RecordedChoice } from "./policy.js";
import { replayedLastEpsilon, restoreLastEpsilon } from "./policy-setup.js";
import type { JsonObject } from "./snapshot-fields.js";
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

export interface ThompsonSnapshot extends LearningSnapshotHead<"thompson", ThompsonParams> {
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
 * candidate with the best mean, estimated the same way. `inverseProbability`, for importance
 * weights: rounds drawn from a stream of their own until the pick wins again (geometric
 * resampling), at most {@link resampleLimit}.
 */
export class ThompsonPolicy extends BanditPolicy<"thompson", ThompsonParams> {
  readonly name = "thompson" as const;
  readonly #normal: NormalSampler;
  /** Geometric resampling's own stream (`inverseProbability`), apart from the decisions'. */
  #resample = resampleStream();
  #wins = new Int32Array(8);
  #lastEpsilon = 0;

  constructor(options: ThompsonPolicyOptions = {}) {
    super(options, resolveThompsonOptions);
    this.#normal = new NormalSampler(this.rng);
  }

  choose(request: ChooseRequest): Choice {
    const scale = this.checkChoose(request);
    const greedy = this.estimateCandidates(request);
    const { stateKey, candidates } = request;
    const n = candidates.length;
    const estimates = this.fill(n);
    const pick = this.#draw(n, scale, this.rng, this.#normal);
    if (this.#wins.length < n) this.#wins = new Int32Array(n * 2);
    const wins = this.#wins;
    wins.fill(0, 0, n);
    const draws = this.settings.propensityDraws;
    for (let d = 0; d < draws; d++) {
      const winner = this.#draw(n, scale, this.rng, this.#normal);
      wins[winner] = (wins[winner] as number) + 1;
    }
    const probability = (1 + (wins[pick] as number)) / (draws + 1);
    const { rng, normal } = this.#resample;
    const inverseProbability = geometricResample(pick, resampleLimit(n, draws), () => this.#draw(n, scale, rng, normal));
    this.#lastEpsilon = 1 - ((wins[greedy] as number) + (pick === greedy ? 1 : 0)) / (draws + 1);
    this.decided(stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (estimates[pick] as BanditEstimate).value,
      epsilon: this.#lastEpsilon,
      probability,
      inverseProbability,
      stateKey: this.keptStateKey,
    };
  }

  /**
   * Repeats a recorded decision (see `Policy.replay`): chosen again for what choosing keeps (the
   * decision counted, providers new to the state), the pick discarded; the ε reported from then on
   * is the recorded decision's, a Monte Carlo estimate that choosing again draws anew.
   */
  replay(request: ChooseRequest, recorded: RecordedChoice): Choice {
    const choice = this.choose(request);
    this.#lastEpsilon = replayedLastEpsilon(recorded, this.#lastEpsilon);
    return choice;
  }

  toJSON(): ThompsonSnapshot {
    return { ...this.snapshotHead(), arms: this.model.toJSON(), ...this.tailFields() };
  }

  protected override tailFields(): { last_epsilon: number } {
    return { last_epsilon: this.#lastEpsilon };
  }

  /** Restores a snapshot; settings come from its `params`, each overridden by `options`. */
  static fromJSON(snapshot: unknown, options: ThompsonPolicyOptions = {}): ThompsonPolicy {
    return ThompsonPolicy.restored(
      "thompson",
      resolveThompsonOptions,
      snapshot,
      options,
      (settings) => new ThompsonPolicy(settings),
    );
  }

  protected override restore(saved: JsonObject): void {
    super.restore(saved);
    this.#lastEpsilon = restoreLastEpsilon(own(saved, "last_epsilon"));
    const { decision_count, total_rewards } = this.counts();
    this.#resample = resampleStream(`${decision_count}:${total_rewards}`);
  }

  protected exploration(): number {
    return this.#lastEpsilon;
  }

  /** One round of draws for the first `n` estimates; returns the best (the first on a tie). */
  #draw(n: number, scale: number, rng: Rng, normal: NormalSampler): number {
    const failureReward = this.settings.rewardWeights.failure_reward;
    let best = 0;
    let bestScore = -Infinity;
    const estimates = this.fill(n);
    for (let i = 0; i < n; i++) {
      const e = estimates[i] as BanditEstimate;
      let q = betaSample(e.failureA, e.failureB, rng, normal);
      let residual = e.residual + Math.sqrt(e.residualVariance) * normal.next();
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
}
