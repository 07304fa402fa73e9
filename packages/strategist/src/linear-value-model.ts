import type { Context, Provider } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import type { CostScaledNoiseSnapshot } from "./cost-scaled-noise.js";
import { CostScaledNoise } from "./cost-scaled-noise.js";
import { HashedFeatures } from "./hashed-features.js";
import type { RewardUpdate } from "./policy.js";
import type { PolicyRewardWeights } from "./reward-decomposition.js";
import { knownReward, succeeded, successPrior, successResidual } from "./reward-decomposition.js";
import type { ShiftBelief, ShiftDetectorSnapshot } from "./shift-detector.js";
import { emptyShiftBelief, ShiftDetector } from "./shift-detector.js";
import { SparseVector } from "./sparse-vector.js";

export interface LinearValueModelOptions {
  hashBits: number;
  priorFailureRate: number;
  /** m: observations a weight's prior is worth; its step is 1/(n + m) until that falls to `learningRate`. */
  priorStrength: number;
  /** The smallest step a weight takes: what keeps it tracking a changing market (1/learningRate outcomes of memory). */
  learningRate: number;
  shiftHalfLife: number;
  shiftPrior: number;
  rewardWeights: PolicyRewardWeights;
}

/** A candidate's value under the model, with the spreads used for optimism. */
export interface ValueEstimate {
  failure: number;
  failureSd: number;
  successValue: number;
  successSd: number;
  value: number;
}

export function emptyValueEstimate(): ValueEstimate {
  return { failure: 0, failureSd: 0, successValue: 0, successSd: 0, value: 0 };
}

export interface LinearValueModelSnapshot {
  hash_bits: number;
  /** Nonzero weights only: [index, failure weight, failure count, success weight, success count]. */
  weights: [number, number, number, number, number][];
  success_noise: CostScaledNoiseSnapshot;
  shifts: ShiftDetectorSnapshot;
}

/** Largest change of a failure logit in one update, for stability. */
const MAX_LOGIT_STEP = 1;

function logit(p: number): number {
  return Math.log(p / (1 - p));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * The function-approximation value model for large state spaces: a logistic model of failure,
 * q = σ(logit(q₀) + w·x), and a linear model of the success residual, r = v·x, over
 * {@link HashedFeatures} — so a state never seen before is judged by what was learned in
 * states that share its provider, region family, GPU type or workload type. Learning is
 * per-weight online Newton-like SGD: each active weight moves by
 * (y − q)/max(q(1 − q), 0.01) (failure, in logits) or (y − r) (residual), divided by the
 * number of active features and scaled by 1/(n + m) for a weight updated n times, never
 * below `learningRate` (so old data keeps fading). Spreads for optimism are diagonal:
 * √(q(1 − q)·Σ x²/(n + m)) for failure and √(σ²(cost)·Σ x²/(n + m)) for the residual. A
 * {@link ShiftDetector} per provider reacts to outages and latency spikes within a few outcomes.
 */
export class LinearValueModel {
  readonly features: HashedFeatures;
  readonly shifts: ShiftDetector;
  readonly successNoise: CostScaledNoise;
  readonly #options: LinearValueModelOptions;
  readonly #failureWeights: Float64Array;
  readonly #failureCounts: Float32Array;
  readonly #successWeights: Float64Array;
  readonly #successCounts: Float32Array;
  readonly #prior: number;
  readonly #x = new SparseVector();
  readonly #belief: ShiftBelief = emptyShiftBelief();

  constructor(options: LinearValueModelOptions) {
    this.#options = options;
    const size = 1 << options.hashBits;
    this.features = new HashedFeatures(options.hashBits);
    this.shifts = new ShiftDetector({
      halfLife: options.shiftHalfLife,
      successHalfLife: options.shiftHalfLife,
      prior: options.shiftPrior,
    });
    this.successNoise = new CostScaledNoise(1 - options.learningRate);
    this.#failureWeights = new Float64Array(size);
    this.#failureCounts = new Float32Array(size);
    this.#successWeights = new Float64Array(size);
    this.#successCounts = new Float32Array(size);
    this.#prior = logit(Math.min(0.999, Math.max(0.001, options.priorFailureRate)));
  }

  /** Sets the job whose candidates `estimate` will judge next. */
  setContext(context: Context): void {
    this.features.setContext(context);
  }

  /** The candidate's estimate for the job set by `setContext`. */
  estimate(context: Context, provider: Provider, out: ValueEstimate): void {
    const o = this.#options;
    const x = this.#x;
    const m = o.priorStrength;
    this.features.failure(provider, x);
    let logitSum = this.#prior;
    let failureSpread = 0;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.index[k] as number;
      const v = x.value[k] as number;
      logitSum += (this.#failureWeights[j] as number) * v;
      failureSpread += (v * v) / ((this.#failureCounts[j] as number) + m);
    }
    const slowFailure = sigmoid(logitSum);
    const cost = provider.price_usd_per_hour * context.gpu_hours;
    this.features.success(provider, cost, x);
    let residual = 0;
    let successSpread = 0;
    for (let k = 0; k < x.nnz; k++) {
      const j = x.index[k] as number;
      const v = x.value[k] as number;
      residual += (this.#successWeights[j] as number) * v;
      successSpread += (v * v) / ((this.#successCounts[j] as number) + m);
    }
    const belief = this.#belief;
    this.shifts.belief(provider.provider_id, belief);
    const p = belief.failureShift;
    const gap = belief.shiftedRate - slowFailure;
    const failureVariance = slowFailure * (1 - slowFailure) * failureSpread;
    out.failure = (1 - p) * slowFailure + p * belief.shiftedRate;
    out.failureSd = Math.sqrt((1 - p) * failureVariance + p * belief.shiftedRateVariance + p * (1 - p) * gap * gap);
    const ps = belief.successShift;
    const successVariance = this.successNoise.variance(cost) * successSpread;
    out.successValue =
      knownReward(context, provider, o.rewardWeights) +
      successPrior(provider, o.rewardWeights) +
      residual +
      ps * belief.shiftedResidual;
    out.successSd = Math.sqrt(
      (1 - ps) * successVariance +
        ps * belief.shiftedResidualVariance +
        ps * (1 - ps) * belief.shiftedResidual * belief.shiftedResidual,
    );
    out.value = (1 - out.failure) * out.successValue + out.failure * o.rewardWeights.failure_reward;
  }

  /** Learns one outcome. */
  update(update: RewardUpdate): void {
    const o = this.#options;
    const x = this.#x;
    const m = o.priorStrength;
    const { provider, context } = update;
    const providerId = provider.provider_id;
    const success = succeeded(update, o.rewardWeights);
    this.features.setContext(context);
    this.features.failure(provider, x);
    let logitSum = this.#prior;
    for (let k = 0; k < x.nnz; k++) logitSum += (this.#failureWeights[x.index[k] as number] as number) * (x.value[k] as number);
    const predicted = sigmoid(logitSum);
    {
      const gradient = ((success ? 0 : 1) - predicted) / Math.max(predicted * (1 - predicted), 0.01) / x.nnz;
      for (let k = 0; k < x.nnz; k++) {
        const j = x.index[k] as number;
        const count = this.#failureCounts[j] as number;
        const rate = Math.max(o.learningRate, 1 / (count + m));
        const step = Math.max(-MAX_LOGIT_STEP, Math.min(MAX_LOGIT_STEP, rate * gradient * (x.value[k] as number)));
        this.#failureWeights[j] = (this.#failureWeights[j] as number) + step;
        this.#failureCounts[j] = count + 1;
      }
    }
    if (!success) {
      this.shifts.observe(providerId, true, predicted, 0, 1);
      return;
    }
    const cost = provider.price_usd_per_hour * context.gpu_hours;
    this.features.success(provider, cost, x);
    let residual = 0;
    for (let k = 0; k < x.nnz; k++) residual += (this.#successWeights[x.index[k] as number] as number) * (x.value[k] as number);
    const error = successResidual(update, o.rewardWeights) - residual;
    this.shifts.observe(providerId, false, predicted, error, this.successNoise.variance(cost));
    this.successNoise.observe(cost, error);
    let norm = 0;
    for (let k = 0; k < x.nnz; k++) norm += (x.value[k] as number) * (x.value[k] as number);
    for (let k = 0; k < x.nnz; k++) {
      const j = x.index[k] as number;
      const count = this.#successCounts[j] as number;
      const rate = Math.max(o.learningRate, 1 / (count + m));
      this.#successWeights[j] = (this.#successWeights[j] as number) + (rate * error * (x.value[k] as number)) / Math.max(norm, 1);
      this.#successCounts[j] = count + 1;
    }
  }

  toJSON(): LinearValueModelSnapshot {
    const weights: LinearValueModelSnapshot["weights"] = [];
    for (let j = 0; j < this.#failureWeights.length; j++) {
      const fc = this.#failureCounts[j] as number;
      const sc = this.#successCounts[j] as number;
      if (fc === 0 && sc === 0) continue;
      weights.push([j, this.#failureWeights[j] as number, fc, this.#successWeights[j] as number, sc]);
    }
    return {
      hash_bits: this.#options.hashBits,
      weights,
      success_noise: this.successNoise.toJSON(),
      shifts: this.shifts.toJSON(),
    };
  }

  restore(snapshot: unknown, field: string): void {
    const s = snapshot as Partial<LinearValueModelSnapshot> | null;
    if (typeof s !== "object" || s === null) throw ValidationError.forField(field, "must be an object (a linear value model)");
    if (s.hash_bits !== this.#options.hashBits) {
      throw ValidationError.forField(
        `${field}.hash_bits`,
        `is ${JSON.stringify(s.hash_bits)} but the policy uses hashBits ${this.#options.hashBits}: keep the saved hashBits to load this model`,
      );
    }
    if (!Array.isArray(s.weights)) throw ValidationError.forField(`${field}.weights`, "must be an array");
    const size = this.#failureWeights.length;
    s.weights.forEach((entry, i) => {
      const ok =
        Array.isArray(entry) &&
        entry.length === 5 &&
        entry.every((v) => typeof v === "number" && Number.isFinite(v)) &&
        Number.isInteger(entry[0]) &&
        entry[0] >= 0 &&
        entry[0] < size &&
        entry[2] >= 0 &&
        entry[4] >= 0;
      if (!ok)
        throw ValidationError.forField(
          `${field}.weights[${i}]`,
          `must be [index < ${size}, weight, count ≥ 0, weight, count ≥ 0]`,
        );
      const [j, fw, fc, sw, sc] = entry;
      this.#failureWeights[j] = fw;
      this.#failureCounts[j] = fc;
      this.#successWeights[j] = sw;
      this.#successCounts[j] = sc;
    });
    this.successNoise.restore(s.success_noise, `${field}.success_noise`);
    this.shifts.restore(s.shifts, `${field}.shifts`);
  }
}
