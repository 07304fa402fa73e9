import type { Context, Provider } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import type { FeatureCross, FeatureName, FeatureRoom } from "./context-features.js";
import { ContextFeatures, FAILURE_SHARED_FEATURES, SUCCESS_SHARED_FEATURES } from "./context-features.js";
import type { CostScaledNoiseSnapshot } from "./cost-scaled-noise.js";
import { CostScaledNoise } from "./cost-scaled-noise.js";
import { positivePartMean } from "./normal-distribution.js";
import type { RewardUpdate } from "./policy.js";
import type { PolicyRewardWeights } from "./reward-decomposition.js";
import { knownReward, succeeded, successPrior, successResidual } from "./reward-decomposition.js";
import type { RidgeRegressionSnapshot } from "./ridge-regression.js";
import { RidgeRegression } from "./ridge-regression.js";
import type { ShiftBelief, ShiftDetectorSnapshot } from "./shift-detector.js";
import { emptyShiftBelief, ShiftDetector } from "./shift-detector.js";
import { SparseVector } from "./sparse-vector.js";

export interface LinearOutcomeModelOptions {
  /** Prior failure probability of a provider nothing is known about, in [0, 1). */
  priorFailureRate: number;
  /** λ of each provider feature in the failure model: how many observations its prior is worth. */
  ridge: number;
  /** λ of each provider feature in the success model. */
  successRidge: number;
  /** γ per learned reward of the success model (and its noise fit), in (0, 1]. */
  discount: number;
  /** γ per learned reward of the failure model, in (0, 1]. */
  failureDiscount: number;
  maxFeatures: number;
  crosses: readonly FeatureCross[];
  /** Half-life, in learned rewards, of a provider's failure shift (an outage); 0: no shift detection. */
  shiftHalfLife: number;
  /** Learned rewards after which a provider's success evidence, and a shift of its success residual, count half. */
  successShiftHalfLife: number;
  /** Prior probability that a provider is in a shifted state (an outage, a spike). */
  shiftPrior: number;
  /** Rate per learned reward at which a provider's failure rate shifts; 0: `shiftPrior` per outcome. */
  shiftStartRate: number;
  rewardWeights: PolicyRewardWeights;
}

/**
 * What the model says about one candidate for one job. Each of the failure probability and
 * the success value is a mixture of the slow model's estimate and, with the shift detector's
 * probability, a shifted one; its spread splits into a part correlated across candidates
 * (the slow model's: `…SlowScale`·x, x the features) and an independent part (`…ExtraVariance`).
 */
export interface CandidateEstimate {
  /** Mean failure probability, in [0, 1]. */
  failure: number;
  /** Standard deviation of the failure probability. */
  failureSd: number;
  failureSlowScale: number;
  failureExtraVariance: number;
  /** The slow model's failure probability alone (as if no shift), and its standard deviation. */
  unshiftedFailure: number;
  unshiftedFailureSd: number;
  /** Mean reward if the job succeeds: known part + advertised promise + learned residual (+ shift). */
  successValue: number;
  successSd: number;
  successSlowScale: number;
  successExtraVariance: number;
  /** (1 − failure)·successValue + failure·failure_reward. */
  value: number;
}

/** A fresh estimate to fill. */
export function emptyEstimate(): CandidateEstimate {
  return {
    failure: 0,
    failureSd: 0,
    failureSlowScale: 0,
    failureExtraVariance: 0,
    unshiftedFailure: 0,
    unshiftedFailureSd: 0,
    successValue: 0,
    successSd: 0,
    successSlowScale: 0,
    successExtraVariance: 0,
    value: 0,
  };
}

export interface LinearOutcomeModelSnapshot {
  features: { failure: FeatureName[]; success: FeatureName[] };
  failure: RidgeRegressionSnapshot;
  success: RidgeRegressionSnapshot;
  /** The success residual's noise fit (see CostScaledNoise). */
  success_noise: CostScaledNoiseSnapshot;
  shifts: ShiftDetectorSnapshot;
}

/** λ of the shared features (bias, reputation, latency, cost): learned from every provider, so kept loose. */
const SHARED_RIDGE = 1;

/** Lowest failure probability used for the failure model's noise scale √(q(1 − q)). */
const NOISE_FLOOR = 0.01;

/**
 * The contextual policies' model of a job's outcome: a discounted ridge regression of
 * failure (a linear probability model, target 1 for a failed job, 0 otherwise, around
 * `priorFailureRate`) and one of a successful job's reward residual (reward − known part −
 * advertised promise), over {@link ContextFeatures}. Posterior spreads are the ridge variance
 * xᵀA⁻¹x times a noise variance: q(1 − q) for failure (q floored at 1%), and a discounted
 * mean squared prediction error for the residual. The failure model forgets more slowly
 * (`failureDiscount`) than the residual's (`discount`): an abrupt change of a provider's
 * failure rate is the shift detector's to catch, so the slow model can afford the longer
 * memory that estimating rates of a few percent needs.
 */
export class LinearOutcomeModel {
  readonly features: ContextFeatures;
  readonly failureModel: RidgeRegression;
  readonly successModel: RidgeRegression;
  readonly #options: LinearOutcomeModelOptions;
  readonly successNoise: CostScaledNoise;
  readonly shifts: ShiftDetector;
  readonly #x = new SparseVector();
  readonly #belief: ShiftBelief = emptyShiftBelief();

  constructor(options: LinearOutcomeModelOptions) {
    this.#options = options;
    this.features = new ContextFeatures(options.crosses, options.maxFeatures);
    this.shifts = new ShiftDetector({
      halfLife: options.shiftHalfLife,
      successHalfLife: options.successShiftHalfLife,
      prior: options.shiftPrior,
      startRate: options.shiftStartRate,
      calibrateFromPast: true,
    });
    this.failureModel = new RidgeRegression({
      ridge: (j) => (j < FAILURE_SHARED_FEATURES ? SHARED_RIDGE : options.ridge),
      discount: options.failureDiscount,
    });
    this.successNoise = new CostScaledNoise(options.discount);
    this.successModel = new RidgeRegression({
      ridge: (j) => (j < SUCCESS_SHARED_FEATURES ? SHARED_RIDGE : options.successRidge),
      discount: options.discount,
    });
  }

  /**
   * Fills `failureX` and `successX` with the candidate's features (creating new ones when
   * `intern`) and `out` with its estimate.
   */
  estimate(
    context: Context,
    provider: Provider,
    intern: boolean,
    failureX: SparseVector,
    successX: SparseVector,
    out: CandidateEstimate,
  ): void {
    this.features.failure(context, provider, failureX, intern);
    this.features.success(context, provider, successX, intern);
    if (intern) this.#sync();
    this.#fill(context, provider, failureX, successX, out, false);
  }

  /**
   * `estimate` with `intern` as it would come out, without creating anything: the features the
   * candidate would create get their would-be indices from `room` (see
   * {@link ContextFeatures.preview}) and their prior (weight 0, variance 1/λ). The same numbers,
   * to the bit, as `estimate` with `intern` on the same model.
   */
  estimateAhead(
    context: Context,
    provider: Provider,
    room: FeatureRoom,
    failureX: SparseVector,
    successX: SparseVector,
    out: CandidateEstimate,
  ): void {
    this.features.preview(context, provider, failureX, successX, room);
    this.#fill(context, provider, failureX, successX, out, true);
  }

  /** The next free index of each model's features, for `estimateAhead`. */
  featureRoom(): FeatureRoom {
    return { failure: this.features.failureDimension, success: this.features.successDimension };
  }

  #fill(
    context: Context,
    provider: Provider,
    failureX: SparseVector,
    successX: SparseVector,
    out: CandidateEstimate,
    ahead: boolean,
  ): void {
    const o = this.#options;
    const providerId = provider.provider_id;
    const belief = this.#belief;
    this.shifts.belief(providerId, belief);

    const failureModel = this.failureModel;
    const successModel = this.successModel;
    const slowFailure = clamp01(
      o.priorFailureRate + (ahead ? failureModel.predictAhead(failureX) : failureModel.predict(failureX)),
    );
    const p = belief.failureShift;
    const failureNoise = this.failureNoiseSd(slowFailure);
    const slowFailureVariance =
      failureNoise * failureNoise * (ahead ? failureModel.varianceAhead(failureX) : failureModel.variance(failureX));
    const failureGap = belief.shiftedRate - slowFailure;
    out.failure = p === 0 ? slowFailure : (1 - p) * slowFailure + p * belief.shiftedRate;
    out.failureSlowScale = failureNoise * Math.sqrt(1 - p);
    out.failureExtraVariance = p === 0 ? 0 : p * belief.shiftedRateVariance + p * (1 - p) * failureGap * failureGap;
    out.failureSd = Math.sqrt((1 - p) * slowFailureVariance + out.failureExtraVariance);
    out.unshiftedFailure = slowFailure;
    out.unshiftedFailureSd = Math.sqrt(slowFailureVariance);

    const slowSuccess =
      knownReward(context, provider, o.rewardWeights) +
      successPrior(provider, o.rewardWeights) +
      (ahead ? successModel.predictAhead(successX) : successModel.predict(successX));
    const ps = belief.successShift;
    const successNoise = this.successNoise.variance(provider.price_usd_per_hour * context.gpu_hours);
    const slowSuccessVariance = successNoise * (ahead ? successModel.varianceAhead(successX) : successModel.variance(successX));
    out.successValue = ps === 0 ? slowSuccess : slowSuccess + ps * belief.shiftedResidual;
    out.successSlowScale = Math.sqrt(successNoise * (1 - ps));
    out.successExtraVariance =
      ps === 0 ? 0 : ps * belief.shiftedResidualVariance + ps * (1 - ps) * belief.shiftedResidual * belief.shiftedResidual;
    out.successSd = Math.sqrt((1 - ps) * slowSuccessVariance + out.successExtraVariance);
    out.value = (1 - out.failure) * out.successValue + out.failure * o.rewardWeights.failure_reward;
  }

  /** Grows both models to the features interned so far. */
  #sync(): void {
    this.failureModel.ensureDimension(this.features.failureDimension);
    this.successModel.ensureDimension(this.features.successDimension);
  }

  /** The noise standard deviation of a candidate's failure indicator, for its estimate's failure. */
  failureNoiseSd(failure: number): number {
    const noise = Math.max(NOISE_FLOOR, Math.min(0.5, failure));
    return Math.sqrt(noise * (1 - noise));
  }

  /**
   * Learns one reward: failure (always) and the success residual (when the job succeeded). The
   * shift detector sees the outcome first; the success model then learns it with weight
   * 1 − P(the provider's residual has shifted), so a latency spike or a run of new fees is
   * left to the detector's shifted estimate instead of being folded into the provider's
   * lasting record (and unlearned once it is over). A shift that lasts fades out of the
   * detector's window and evidence, and is then learned.
   */
  update(update: RewardUpdate): void {
    const o = this.#options;
    const x = this.#x;
    const success = succeeded(update, o.rewardWeights);
    const providerId = update.provider.provider_id;
    this.features.failure(update.context, update.provider, x, true);
    this.#sync();
    const predictedFailure = this.#predictiveFailure(x);
    this.failureModel.update(x, (success ? 0 : 1) - o.priorFailureRate);
    if (!success) {
      this.shifts.observe(providerId, true, predictedFailure, 0, 1);
      return;
    }
    this.features.success(update.context, update.provider, x, true);
    const residual = successResidual(update, o.rewardWeights);
    const error = residual - this.successModel.predict(x);
    const cost = update.provider.price_usd_per_hour * update.context.gpu_hours;
    this.shifts.observe(providerId, false, predictedFailure, error, this.successNoise.variance(cost));
    this.successNoise.observe(cost, error);
    this.shifts.belief(providerId, this.#belief);
    // Weight w: A gains w·xxᵀ and b gains w·y·x, i.e. the update of (√w·x, √w·y).
    const root = Math.sqrt(1 - this.#belief.successShift);
    if (root < 1) {
      for (let k = 0; k < x.nnz; k++) x.value[k] = (x.value[k] as number) * root;
    }
    this.successModel.update(x, root * residual);
  }

  /**
   * The chance that a job with failure features `x` fails, for the shift detector's "no shift"
   * hypothesis: E[max(0, q)] = μ·Φ(μ/σ) + σ·φ(μ/σ) for the slow model's posterior q ~ N(μ, σ²),
   * σ the spread `estimate` gives the rate (at most 1). For a provider the model knows well this
   * is μ. For one it has barely seen, whose rate the shared features put at or below 0 (a high
   * reputation), μ clipped at 0 was used before: one failure of its fifth job then read as an
   * outage beyond doubt (P = 1.000), and it was avoided for ~1,400 jobs (`outage`, seed 5).
   */
  #predictiveFailure(x: SparseVector): number {
    const mean = this.#options.priorFailureRate + this.failureModel.predict(x);
    const clipped = clamp01(mean);
    const sd = this.failureNoiseSd(clipped) * Math.sqrt(this.failureModel.variance(x));
    return Math.min(1, Math.max(clipped, positivePartMean(mean, sd)));
  }

  /** Restores what `toJSON` wrote into this (new) model; `field` names the snapshot part in errors. */
  restore(snapshot: unknown, field: string): void {
    if (typeof snapshot !== "object" || snapshot === null) {
      throw ValidationError.forField(field, "must be an object with features, failure, success and success_noise");
    }
    const s = snapshot as Partial<LinearOutcomeModelSnapshot>;
    this.features.restore(s.features, `${field}.features`);
    this.failureModel.restore(s.failure, `${field}.failure`);
    this.successModel.restore(s.success, `${field}.success`);
    if (this.failureModel.dimension !== this.features.failureDimension) {
      throw ValidationError.forField(`${field}.failure.dimension`, "must match the number of failure features");
    }
    if (this.successModel.dimension !== this.features.successDimension) {
      throw ValidationError.forField(`${field}.success.dimension`, "must match the number of success features");
    }
    this.successNoise.restore(s.success_noise, `${field}.success_noise`);
    this.shifts.restore(s.shifts, `${field}.shifts`);
  }

  toJSON(): LinearOutcomeModelSnapshot {
    this.#sync();
    return {
      features: this.features.toJSON(),
      failure: this.failureModel.toJSON(),
      success: this.successModel.toJSON(),
      success_noise: this.successNoise.toJSON(),
      shifts: this.shifts.toJSON(),
    };
  }
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
