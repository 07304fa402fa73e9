import type { Provider, Rng } from "@aurora/domain";
import { choleskyLower } from "./cholesky.js";
import { geometricResample, resampleLimit, resampleStream } from "./geometric-resampling.js";
import type { LearningSnapshotHead } from "./learning-policy.js";
import type { LinearModelParams } from "./linear-model-options.js";
import { linearModelRules } from "./linear-model-options.js";
import type { CandidateEstimate, LinearOutcomeModelSnapshot } from "./linear-outcome-model.js";
import { LinearOutcomePolicy } from "./linear-outcome-policy.js";
import { NormalSampler } from "./normal-sampler.js";
import type { OptionRules } from "./option-rules.js";
import { integerRule, numberRule, resolveOptions } from "./option-rules.js";
import type { Choice, ChooseRequest, RecordedChoice } from "./policy.js";
import { replayedLastEpsilon, requireRng, restoreLastEpsilon } from "./policy-setup.js";
import type { RidgeRegression } from "./ridge-regression.js";
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
 * How a decision draws the candidates' predictions: `"candidates"` from their n×n joint
 * covariance (Cholesky, O(n³)), `"weights"` by drawing the touched weights of each model
 * (Cholesky of their m×m block of A⁻¹, O(m³)) and taking x·θ per candidate. Both draw from the
 * same joint distribution; the policy takes `"weights"` when there are more candidates than
 * features they touch.
 */
export type LinThompsonSamplingPath = "candidates" | "weights";

/** What a decision held in scratch, in typed-array entries (8 bytes or 4): at its peak, and kept for the next one. */
export interface LinThompsonScratchUse {
  peak: number;
  kept: number;
}

/**
 * Scratch arrays a decision may keep for the next one, in entries (512 KiB of float64): enough
 * for the n×n factors of 256 candidates or the weight factor of 256 features (`maxFeatures`'
 * default). Longer ones are dropped when the decision is made, so one huge request does not pin
 * its memory for good.
 */
const KEPT_SCRATCH_ENTRIES = 1 << 16;

let forcePath: (policy: LinThompsonPolicy, path: LinThompsonSamplingPath | undefined) => void;
let scratchUse: (policy: LinThompsonPolicy) => LinThompsonScratchUse;

/**
 * For tests, not exported by the package: makes `policy` draw by `path` whatever the sizes
 * (undefined: by size again).
 */
export function forceLinThompsonSamplingPath(policy: LinThompsonPolicy, path: LinThompsonSamplingPath | undefined): void {
  forcePath(policy, path);
}

/** For tests and benchmarks, not exported by the package: the last decision's scratch. */
export function linThompsonScratchUse(policy: LinThompsonPolicy): LinThompsonScratchUse {
  return scratchUse(policy);
}

/**
 * Linear Thompson sampling over the decomposed reward (registry kind `"lin-thompson"`;
 * Agrawal & Goyal 2013, discounted). The model is the same as LinUCB's
 * ({@link LinearOutcomeModel}, shared by every state). A decision draws the candidates'
 * failure probabilities and success values jointly from the posterior — the Gaussian of
 * x·θ over the candidates' features, covariance v²·σ_iσ_j·x_iᵀA⁻¹x_j, with σ the noise
 * scale of each, plus each candidate's own shift variance — and picks the best draw of
 * (1 − q̃)·s̃ + q̃·failure_reward (q̃ clamped to [0, 1]).
 *
 * The draw is made one of two ways, the same in distribution. With n candidates touching m_f
 * failure and m_s success features, when n ≤ max(m_f, m_s) (a few candidates, each with its
 * own features) it factors the n×n covariance of the candidates' predictions (O(n³), n×n
 * scratch). With more candidates than that (thousands of providers, the models capped at
 * `maxFeatures`) it draws the touched weights' deviation u from θ̂ instead, N(0, A⁻¹) on those
 * m features — a Cholesky of their m×m block of A⁻¹, equilibrated to a unit diagonal, O(m³) —
 * and each candidate's deviation as v·σ·xᵀu (O(nnz)) plus its shift's own normal:
 * O(m³ + draws·(m² + n·nnz)) per decision, no n×n array.
 *
 * Propensity: M = `propensityDraws` further joint draws, antithetic in pairs (z, −z), are
 * scored the same way; the pick's propensity is (1 + wins)/(M + 1), counting the decision's own
 * draw as one of M + 1 draws from the same distribution (so it is never 0). `epsilon` is
 * 1 − the propensity of the candidate with the best mean, estimated the same way.
 * `inverseProbability`, for importance weights: fresh joint draws from a stream of their own
 * until the pick wins again (geometric resampling), at most {@link resampleLimit}. A Ψ
 * density d scales the posterior spread by 1 − 0.5·d.
 */
export class LinThompsonPolicy extends LinearOutcomePolicy<"lin-thompson", LinThompsonParams> {
  readonly name = "lin-thompson" as const;
  readonly #normal: NormalSampler;
  /** Geometric resampling's own normals (`inverseProbability`), apart from the decisions' stream. */
  #resample = resampleStream().normal;
  #lastEpsilon = 0;
  /** The n×n path: covariances, factored in place into their lower Cholesky factors. */
  #failureL = new Float64Array(64);
  #successL = new Float64Array(64);
  #z = new Float64Array(16);
  #failureMean = new Float64Array(16);
  #successMean = new Float64Array(16);
  #w = new Float64Array(16);
  #wins = new Int32Array(16);
  /** The weight path: each model's draw, and the candidates' drawn deviations from their means. */
  readonly #failureDraw = new WeightDraw();
  readonly #successDraw = new WeightDraw();
  #failureDeviation = new Float64Array(16);
  #successDeviation = new Float64Array(16);
  #forcedPath: LinThompsonSamplingPath | undefined;
  #scratchUse: LinThompsonScratchUse = { peak: 0, kept: 0 };

  static {
    forcePath = (policy, path) => {
      policy.#forcedPath = path;
    };
    scratchUse = (policy) => ({ ...policy.#scratchUse });
  }

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
    for (let i = 0; i < n; i++) {
      this.#failureMean[i] = (scratch.estimates[i] as CandidateEstimate).failure;
      this.#successMean[i] = (scratch.estimates[i] as CandidateEstimate).successValue;
    }
    const touchedFailure = this.#failureDraw.touch(scratch.failureX, n, model.failureModel.dimension);
    const touchedSuccess = this.#successDraw.touch(scratch.successX, n, model.successModel.dimension);
    const byWeights =
      (this.#forcedPath ?? (n > Math.max(touchedFailure, touchedSuccess) ? "weights" : "candidates")) === "weights";
    if (byWeights) this.#prepareWeights(n, spread);
    else this.#prepareCandidates(n, spread);
    const peak = this.#heldEntries();

    const pick = byWeights ? this.#drawWeights(n, 1) : this.#draw(n, 1);
    const wins = this.#wins;
    wins.fill(0, 0, n);
    const draws = this.settings.propensityDraws;
    for (let d = 0; d < draws; d++) {
      const mode = d % 2 === 0 ? 0 : -1;
      const winner = byWeights ? this.#drawWeights(n, mode) : this.#draw(n, mode);
      wins[winner] = (wins[winner] as number) + 1;
    }
    const probability = (1 + (wins[pick] as number)) / (draws + 1);
    const greedyProbability = ((wins[greedy] as number) + (pick === greedy ? 1 : 0)) / (draws + 1);
    this.#lastEpsilon = 1 - greedyProbability;
    const side = this.#resample;
    const inverseProbability = geometricResample(pick, resampleLimit(n, draws), () =>
      byWeights ? this.#drawWeights(n, 0, side) : this.#draw(n, 0, side),
    );
    this.#release();
    this.#scratchUse = { peak, kept: this.#heldEntries() };
    this.decided(request.stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (scratch.estimates[pick] as CandidateEstimate).value,
      epsilon: this.#lastEpsilon,
      probability,
      inverseProbability,
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
    const { decision_count, total_rewards } = this.counts();
    this.#resample = resampleStream(`${decision_count}:${total_rewards}`).normal;
  }

  protected exploration(): number {
    return this.#lastEpsilon;
  }

  /**
   * The n×n path: the joint posterior covariance of the candidates' failure probabilities and
   * success values, and its Cholesky factors. The slow model's part is correlated through
   * shared features, a shift's part is not.
   */
  #prepareCandidates(n: number, spread: number): void {
    const scratch = this.scratch;
    const model = this.model;
    if (this.#failureL.length < n * n) {
      this.#failureL = new Float64Array(n * n);
      this.#successL = new Float64Array(n * n);
    }
    const failureCov = this.#failureL;
    const successCov = this.#successL;
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
    // In place: the factorisation reads only the lower triangle and diagonal it has not yet overwritten.
    choleskyLower(failureCov, n, n, failureCov);
    choleskyLower(successCov, n, n, successCov);
  }

  /** The weight path: each model's factor of its touched weights' covariance, and the candidates' loadings on them. */
  #prepareWeights(n: number, spread: number): void {
    const scratch = this.scratch;
    const model = this.model;
    const estimates = scratch.estimates;
    this.#failureDraw.prepare(
      model.failureModel,
      scratch.failureX,
      n,
      spread,
      (i) => (estimates[i] as CandidateEstimate).failureSlowScale,
      (i) => (estimates[i] as CandidateEstimate).failureExtraVariance,
    );
    this.#successDraw.prepare(
      model.successModel,
      scratch.successX,
      n,
      spread,
      (i) => (estimates[i] as CandidateEstimate).successSlowScale,
      (i) => (estimates[i] as CandidateEstimate).successExtraVariance,
    );
  }

  /**
   * One joint draw; returns the candidate with the best sampled reward (the first on a tie).
   * `mode` ≥ 0 draws fresh normals and keeps them; −1 reuses the previous draw's normals
   * negated (the antithetic twin).
   */
  #draw(n: number, mode: number, normal: NormalSampler = this.#normal): number {
    const z = this.#z;
    const w = this.#w;
    if (mode >= 0) {
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
      const score = sampledScore(q, s, failureReward);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    return best;
  }

  /** {@link #draw} by the weight path: the same distribution, O(m² + n·nnz) per draw. */
  #drawWeights(n: number, mode: number, normal: NormalSampler = this.#normal): number {
    const failureDeviation = this.#failureDeviation;
    const successDeviation = this.#successDeviation;
    this.#failureDraw.draw(n, mode, normal, failureDeviation);
    this.#successDraw.draw(n, mode, normal, successDeviation);
    const failureReward = this.settings.rewardWeights.failure_reward;
    const failureMean = this.#failureMean;
    const successMean = this.#successMean;
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      const q = (failureMean[i] as number) + (failureDeviation[i] as number);
      const s = (successMean[i] as number) + (successDeviation[i] as number);
      const score = sampledScore(q, s, failureReward);
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
      this.#failureDeviation = new Float64Array(n * 2);
      this.#successDeviation = new Float64Array(n * 2);
    }
  }

  /** Typed-array entries held for decisions. */
  #heldEntries(): number {
    return (
      this.#failureL.length +
      this.#successL.length +
      this.#z.length +
      this.#w.length +
      this.#failureMean.length +
      this.#successMean.length +
      this.#wins.length +
      this.#failureDeviation.length +
      this.#successDeviation.length +
      this.#failureDraw.entries() +
      this.#successDraw.entries()
    );
  }

  /** Drops scratch longer than {@link KEPT_SCRATCH_ENTRIES}; the next decision that needs it allocates it again. */
  #release(): void {
    if (this.#failureL.length > KEPT_SCRATCH_ENTRIES) {
      this.#failureL = new Float64Array(64);
      this.#successL = new Float64Array(64);
    }
    if (this.#z.length > KEPT_SCRATCH_ENTRIES) {
      this.#z = new Float64Array(16);
      this.#failureMean = new Float64Array(16);
      this.#successMean = new Float64Array(16);
      this.#w = new Float64Array(16);
      this.#wins = new Int32Array(16);
      this.#failureDeviation = new Float64Array(16);
      this.#successDeviation = new Float64Array(16);
    }
    this.#failureDraw.release();
    this.#successDraw.release();
  }
}

/** A drawn candidate's reward: success value s, failure chance q clamped to [0, 1] (q failing at `failureReward`). */
function sampledScore(q: number, s: number, failureReward: number): number {
  let clamped = q;
  if (clamped < 0) clamped = 0;
  else if (clamped > 1) clamped = 1;
  return s - clamped * (s - failureReward);
}

/**
 * One model's part of a weight-path draw. The candidates touch m of the model's features; the
 * deviation of those weights from θ̂ is drawn as u = S·L·z ~ N(0, C), z standard normal, C the
 * m×m block of A⁻¹, S = diag(√C_jj) and L·Lᵀ = S⁻¹·C·S⁻¹. Equilibrating to a unit diagonal
 * keeps the factorisation's pivot floor (relative to the largest pivot) from zeroing a feature
 * whose scale is far from the others' (a job cost of 10⁸ beside a bias of 1). Candidate i's
 * deviation is v·σ_i·x_iᵀu + v·√extra_i·e_i, e_i its own standard normal: covariance
 * v²·σ_iσ_j·x_iᵀA⁻¹x_j + [i = j]·v²·extra_i, as on the n×n path.
 */
class WeightDraw {
  /** Feature index → its place among the touched features, or −1 (model dimension entries). */
  #place = new Int32Array(0);
  /** The touched features, in the order first met. */
  #features = new Int32Array(16);
  #touched = 0;
  /** Candidate i's entries are [start[i], start[i + 1]): the place of each feature and its loading. */
  #start = new Int32Array(17);
  #at = new Int32Array(64);
  #loading = new Float64Array(64);
  /** v·√(the candidate's own shift variance). */
  #ownSd = new Float64Array(16);
  /** L (m×m, lower), the scales S, and one draw's z, u = L·z and own normals e. */
  #factor = new Float64Array(64);
  #sd = new Float64Array(16);
  #z = new Float64Array(16);
  #u = new Float64Array(16);
  #own = new Float64Array(16);

  /** Indexes the features the n candidates touch (each below `dimension`); returns how many there are. */
  touch(xs: readonly SparseVector[], n: number, dimension: number): number {
    const features = this.#features;
    if (this.#place.length < dimension) this.#place = new Int32Array(Math.max(dimension, 2 * this.#place.length)).fill(-1);
    else for (let k = 0; k < this.#touched; k++) this.#place[features[k] as number] = -1;
    const place = this.#place;
    let entries = 0;
    for (let i = 0; i < n; i++) entries += (xs[i] as SparseVector).nnz;
    if (this.#start.length < n + 1) this.#start = new Int32Array(2 * (n + 1));
    if (this.#at.length < entries) {
      this.#at = new Int32Array(2 * entries);
      this.#loading = new Float64Array(2 * entries);
    }
    const start = this.#start;
    const at = this.#at;
    let touched = 0;
    let p = 0;
    for (let i = 0; i < n; i++) {
      start[i] = p;
      const x = xs[i] as SparseVector;
      for (let k = 0; k < x.nnz; k++) {
        const feature = x.index[k] as number;
        let local = place[feature] as number;
        if (local < 0) {
          local = touched++;
          place[feature] = local;
          if (this.#features.length < touched) {
            const grown = new Int32Array(2 * touched);
            grown.set(this.#features);
            this.#features = grown;
          }
          (this.#features as Int32Array)[local] = feature;
        }
        at[p++] = local;
      }
    }
    start[n] = p;
    this.#touched = touched;
    return touched;
  }

  /** Factors the touched weights' covariance and sets each candidate's loadings (after {@link touch}). */
  prepare(
    model: RidgeRegression,
    xs: readonly SparseVector[],
    n: number,
    spread: number,
    slowScale: (i: number) => number,
    extraVariance: (i: number) => number,
  ): void {
    const m = this.#touched;
    if (this.#factor.length < m * m) this.#factor = new Float64Array(m * m);
    if (this.#sd.length < m) {
      this.#sd = new Float64Array(2 * m);
      this.#z = new Float64Array(2 * m);
      this.#u = new Float64Array(2 * m);
    }
    if (this.#ownSd.length < n) {
      this.#ownSd = new Float64Array(2 * n);
      this.#own = new Float64Array(2 * n);
    }
    const factor = this.#factor;
    const sd = this.#sd;
    model.covarianceBlock(this.#features, m, factor, m);
    for (let j = 0; j < m; j++) {
      const variance = factor[j * m + j] as number;
      sd[j] = variance > 0 && Number.isFinite(variance) ? Math.sqrt(variance) : 0;
    }
    for (let i = 0; i < m; i++) {
      const si = sd[i] as number;
      const row = i * m;
      for (let j = 0; j < m; j++) {
        const sj = sd[j] as number;
        factor[row + j] = si > 0 && sj > 0 ? (factor[row + j] as number) / (si * sj) : 0;
      }
    }
    choleskyLower(factor, m, m, factor);
    for (let i = 0; i < m; i++) {
      const si = sd[i] as number;
      const row = i * m;
      for (let k = 0; k <= i; k++) factor[row + k] = (factor[row + k] as number) * si;
    }
    const start = this.#start;
    const loading = this.#loading;
    for (let i = 0; i < n; i++) {
      const x = xs[i] as SparseVector;
      const scale = spread * slowScale(i);
      const from = start[i] as number;
      for (let k = 0; k < x.nnz; k++) loading[from + k] = scale * (x.value[k] as number);
      this.#ownSd[i] = spread * Math.sqrt(extraVariance(i));
    }
  }

  /**
   * Writes each candidate's drawn deviation from its mean into `out`. `mode` ≥ 0 draws fresh
   * normals; −1 negates the previous draw's (its antithetic twin).
   */
  draw(n: number, mode: number, normal: NormalSampler, out: Float64Array): void {
    const m = this.#touched;
    const u = this.#u;
    const own = this.#own;
    const ownSd = this.#ownSd;
    if (mode >= 0) {
      const z = this.#z;
      for (let k = 0; k < m; k++) z[k] = normal.next();
      for (let i = 0; i < n; i++) own[i] = (ownSd[i] as number) > 0 ? normal.next() : 0;
      const factor = this.#factor;
      for (let j = 0; j < m; j++) {
        const row = j * m;
        let sum = 0;
        for (let k = 0; k <= j; k++) sum += (factor[row + k] as number) * (z[k] as number);
        u[j] = sum;
      }
    } else {
      for (let j = 0; j < m; j++) u[j] = -(u[j] as number);
      for (let i = 0; i < n; i++) own[i] = -(own[i] as number);
    }
    const start = this.#start;
    const at = this.#at;
    const loading = this.#loading;
    for (let i = 0; i < n; i++) {
      let deviation = (ownSd[i] as number) * (own[i] as number);
      const to = start[i + 1] as number;
      for (let p = start[i] as number; p < to; p++) deviation += (loading[p] as number) * (u[at[p] as number] as number);
      out[i] = deviation;
    }
  }

  entries(): number {
    return (
      this.#place.length +
      this.#features.length +
      this.#start.length +
      this.#at.length +
      this.#loading.length +
      this.#ownSd.length +
      this.#factor.length +
      this.#sd.length +
      this.#z.length +
      this.#u.length +
      this.#own.length
    );
  }

  /** Drops scratch longer than {@link KEPT_SCRATCH_ENTRIES} (the feature index map, at most `maxFeatures` long, stays). */
  release(): void {
    if (this.#factor.length > KEPT_SCRATCH_ENTRIES) this.#factor = new Float64Array(64);
    if (this.#at.length > KEPT_SCRATCH_ENTRIES) {
      this.#at = new Int32Array(64);
      this.#loading = new Float64Array(64);
    }
    if (this.#start.length > KEPT_SCRATCH_ENTRIES) {
      this.#start = new Int32Array(17);
      this.#ownSd = new Float64Array(16);
      this.#own = new Float64Array(16);
    }
    if (this.#ownSd.length > KEPT_SCRATCH_ENTRIES) {
      this.#ownSd = new Float64Array(16);
      this.#own = new Float64Array(16);
    }
  }
}
