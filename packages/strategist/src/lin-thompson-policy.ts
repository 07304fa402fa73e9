import type { Provider, Rng } from "@aurora/domain";
import { choleskyLower } from "./cholesky.js";
import type { LearningSnapshotHead } from "./learning-policy.js";
import type { LinearModelParams } from "./linear-model-options.js";
import { linearModelRules } from "./linear-model-options.js";
import type { CandidateEstimate, LinearOutcomeModelSnapshot } from "./linear-outcome-model.js";
import { LinearOutcomePolicy } from "./linear-outcome-policy.js";
import { NormalSampler } from "./normal-sampler.js";
import type { OptionRules } from "./option-rules.js";
import { integerRule, numberRule, resolveOptions } from "./option-rules.js";
import type { Choice, ChooseRequest } from "./policy.js";
import { requireRng, restoreLastEpsilon } from "./policy-setup.js";
import type { JsonObject } from "./snapshot-fields.js";
import { own } from "./snapshot-fields.js";
import type { SparseVector } from "./sparse-vector.js";

export interface LinThompsonParams extends LinearModelParams {
  /** v: posterior spread multiplier (1 samples the posterior as it is). Default 0.5. */
  scale: number;
  /** Extra posterior draws that estimate the pick's propensity. Default 100. */
  propensityDraws: number;
}

export type LinThompsonOptions = Partial<LinThompsonParams>;

const linThompsonRules: OptionRules<LinThompsonParams> = {
  ...linearModelRules,
  scale: numberRule(0.5, (v) => Number.isFinite(v) && v > 0, "must be a finite number > 0 (the posterior spread multiplier v)"),
  propensityDraws: integerRule(100, 10, 100_000, "extra posterior draws that estimate the propensity"),
};

export function resolveLinThompsonOptions(input: unknown, root?: string): LinThompsonParams {
  return resolveOptions("lin-thompson", linThompsonRules, input, root);
}

export interface LinThompsonSnapshot extends LearningSnapshotHead<"lin-thompson", LinThompsonParams> {
  model: LinearOutcomeModelSnapshot;
  /** The exploration probability of the last decision (1 − propensity of the best mean). */
  last_epsilon: number;
}

export interface LinThompsonPolicyOptions extends LinThompsonOptions {
  rng?: Rng;
}

/**
 * Linear Thompson sampling over the decomposed reward (registry kind `"lin-thompson"`;
 * Agrawal & Goyal 2013, discounted). The model is the same as LinUCB's
 * ({@link LinearOutcomeModel}, shared by every state). A decision draws the candidates'
 * failure probabilities and success values jointly from the posterior — the Gaussian of
 * x·θ over the candidates' features, covariance v²·σ_iσ_j·x_iᵀA⁻¹x_j, with σ the noise
 * scale of each — and picks the best draw of (1 − q̃)·s̃ + q̃·failure_reward (q̃ clamped to [0, 1]).
 *
 * Propensity: M = `propensityDraws` further joint draws, antithetic in pairs (z, −z), are
 * scored the same way; the pick's propensity is (1 + wins)/(M + 1), counting the decision's own
 * draw as one of M + 1 draws from the same distribution (so it is never 0). `epsilon` is
 * 1 − the propensity of the candidate with the best mean, estimated the same way. A Ψ
 * density d scales the posterior spread by 1 − 0.5·d.
 */
export class LinThompsonPolicy extends LinearOutcomePolicy<"lin-thompson", LinThompsonParams> {
  readonly name = "lin-thompson" as const;
  readonly #normal: NormalSampler;
  #lastEpsilon = 0;
  #failureCov = new Float64Array(64);
  #successCov = new Float64Array(64);
  #failureL = new Float64Array(64);
  #successL = new Float64Array(64);
  #z = new Float64Array(16);
  #failureMean = new Float64Array(16);
  #successMean = new Float64Array(16);
  #w = new Float64Array(16);
  #wins = new Int32Array(8);

  constructor(options: LinThompsonPolicyOptions = {}) {
    const { rng, ...params } = options ?? {};
    const settings = resolveLinThompsonOptions(params);
    super(requireRng(rng), settings);
    this.#normal = new NormalSampler(this.rng);
  }

  choose(request: ChooseRequest): Choice {
    const spread = this.checkChoose(request) * this.settings.scale;
    const { context, candidates } = request;
    const n = candidates.length;
    this.#ensure(n);
    const scratch = this.scratch;
    scratch.ensure(n);
    const model = this.model;
    let greedy = 0;
    for (let i = 0; i < n; i++) {
      const estimate = scratch.estimates[i] as CandidateEstimate;
      model.estimate(
        context,
        candidates[i] as Provider,
        true,
        scratch.failureX[i] as SparseVector,
        scratch.successX[i] as SparseVector,
        estimate,
      );
      if (estimate.value > (scratch.estimates[greedy] as CandidateEstimate).value) greedy = i;
    }
    this.keepChosen(request, scratch.estimates);
    // Joint posterior covariance of the candidates' failure probabilities and success values:
    // the slow model's part is correlated through shared features, a shift's part is not.
    const failureCov = this.#failureCov;
    const successCov = this.#successCov;
    const spread2 = spread * spread;
    for (let i = 0; i < n; i++) {
      const ei = scratch.estimates[i] as CandidateEstimate;
      for (let j = 0; j <= i; j++) {
        const ej = scratch.estimates[j] as CandidateEstimate;
        let f =
          ei.failureSlowScale *
          ej.failureSlowScale *
          model.failureModel.covariance(scratch.failureX[i] as SparseVector, scratch.failureX[j] as SparseVector);
        let s =
          ei.successSlowScale *
          ej.successSlowScale *
          model.successModel.covariance(scratch.successX[i] as SparseVector, scratch.successX[j] as SparseVector);
        if (i === j) {
          f += ei.failureExtraVariance;
          s += ei.successExtraVariance;
        }
        failureCov[i * n + j] = spread2 * f;
        failureCov[j * n + i] = spread2 * f;
        successCov[i * n + j] = spread2 * s;
        successCov[j * n + i] = spread2 * s;
      }
    }
    for (let i = 0; i < n; i++) {
      this.#failureMean[i] = (scratch.estimates[i] as CandidateEstimate).failure;
      this.#successMean[i] = (scratch.estimates[i] as CandidateEstimate).successValue;
    }
    choleskyLower(failureCov, n, n, this.#failureL);
    choleskyLower(successCov, n, n, this.#successL);

    const pick = this.#draw(n, 1);
    const wins = this.#wins;
    wins.fill(0, 0, n);
    const draws = this.settings.propensityDraws;
    for (let d = 0; d < draws; d++) {
      const winner = this.#draw(n, d % 2 === 0 ? 0 : -1);
      wins[winner] = (wins[winner] as number) + 1;
    }
    const probability = (1 + (wins[pick] as number)) / (draws + 1);
    const greedyProbability = ((wins[greedy] as number) + (pick === greedy ? 1 : 0)) / (draws + 1);
    this.#lastEpsilon = 1 - greedyProbability;
    this.decided(request.stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (scratch.estimates[pick] as CandidateEstimate).value,
      epsilon: this.#lastEpsilon,
      probability,
    };
  }

  toJSON(): LinThompsonSnapshot {
    return { ...this.snapshotHead(), model: this.model.toJSON(), last_epsilon: this.#lastEpsilon };
  }

  static fromJSON(snapshot: unknown, options: LinThompsonPolicyOptions = {}): LinThompsonPolicy {
    const create = (settings: LinThompsonPolicyOptions) => new LinThompsonPolicy(settings);
    return LinThompsonPolicy.restored("lin-thompson", resolveLinThompsonOptions, snapshot, options, create);
  }

  protected override restore(saved: JsonObject): void {
    super.restore(saved);
    this.#lastEpsilon = restoreLastEpsilon(own(saved, "last_epsilon"));
  }

  protected exploration(): number {
    return this.#lastEpsilon;
  }

  /**
   * One joint draw; returns the candidate with the best sampled reward (the first on a tie).
   * `mode` ≥ 0 draws fresh normals and keeps them; −1 reuses the previous draw's normals
   * negated (the antithetic twin).
   */
  #draw(n: number, mode: number): number {
    const z = this.#z;
    const w = this.#w;
    if (mode >= 0) {
      const normal = this.#normal;
      for (let i = 0; i < n; i++) {
        z[i] = normal.next();
        w[i] = normal.next();
      }
    } else {
      for (let i = 0; i < n; i++) {
        z[i] = -(z[i] as number);
        w[i] = -(w[i] as number);
      }
    }
    const failureReward = this.settings.rewardWeights.failure_reward;
    const fl = this.#failureL;
    const sl = this.#successL;
    const failureMean = this.#failureMean;
    const successMean = this.#successMean;
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      let q = failureMean[i] as number;
      let s = successMean[i] as number;
      const row = i * n;
      for (let k = 0; k <= i; k++) {
        q += (fl[row + k] as number) * (z[k] as number);
        s += (sl[row + k] as number) * (w[k] as number);
      }
      if (q < 0) q = 0;
      else if (q > 1) q = 1;
      const score = s - q * (s - failureReward);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }

  #ensure(n: number): void {
    if (this.#z.length < n) {
      this.#z = new Float64Array(n * 2);
      this.#failureMean = new Float64Array(n * 2);
      this.#successMean = new Float64Array(n * 2);
      this.#w = new Float64Array(n * 2);
      this.#wins = new Int32Array(n * 2);
    }
    if (this.#failureCov.length < n * n) {
      const size = n * n * 4;
      this.#failureCov = new Float64Array(size);
      this.#successCov = new Float64Array(size);
      this.#failureL = new Float64Array(size);
      this.#successL = new Float64Array(size);
    }
  }
}
