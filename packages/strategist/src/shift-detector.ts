import { ValidationError } from "@aurora/domain";

export interface ShiftDetectorOptions {
  /**
   * Half-life, in learned rewards of any provider, of a failure shift (an outage): its chance
   * of ending between two outcomes and the fading of the belief while a provider goes untried.
   * 0 turns detection off.
   */
  halfLife: number;
  /** Learned rewards after which a provider's success evidence (and the belief in a success shift) counts half. */
  successHalfLife: number;
  /** π: prior probability, per outcome, that a provider's behaviour shifts (an outage, a spike) just before it. */
  prior: number;
  /**
   * λ: the rate, per learned reward of any provider (a tick), at which a provider's failure
   * rate shifts (an outage begins). When > 0, the prior that a failure shift began in the gap
   * before an outcome is 1 − e^(−λ·gap), the gap in ticks since the provider's outcome before
   * (at least 1), in place of `prior`: an outage begins in time, whether or not the provider is
   * being used, so a provider back after a long silence is more likely to have changed than
   * one used a moment ago. 0 (the default): `prior` per outcome. Success shifts keep `prior`.
   */
  startRate?: number;
  /**
   * Whether the slow model's calibration learns an outcome only once it has left the window,
   * weighted by the probability that it was not part of a shift (true), or every outcome as it
   * comes (false, the default). With true, the outcomes under judgment are not also the
   * evidence that the slow model under-rates the provider, so an outage's first failures do
   * not explain themselves away.
   */
  calibrateFromPast?: boolean;
}

/** Outcomes remembered per provider: a shift longer than this is as certain as it gets. */
const WINDOW = 16;
/** ln n! for the failure counts of a window (weights are whole outcomes). */
const LOG_FACTORIAL = Array.from({ length: WINDOW + 2 }, (_, n) => {
  let sum = 0;
  for (let j = 2; j <= n; j++) sum += Math.log(j);
  return sum;
});
/** The slow model's calibration for a provider fades this many times slower than the recent evidence. */
const LONG_RUN = 20;
/** Pseudo-counts that keep a calibration factor near 1 until a provider has a record. */
const CALIBRATION_PRIOR = 5;

/** τ: standard deviation, in reward units, of a shift of the success residual (a latency spike, new fees). */
const SUCCESS_SHIFT_SD = 2;

/** A provider's recent outcomes, newest last, and what they say. */
interface ProviderEvidence {
  /** Ring of the last WINDOW outcomes: tick, failed (1/0), slow model's failure prediction, its success error. */
  ticks: Float64Array;
  failed: Uint8Array;
  predicted: Float64Array;
  errors: Float64Array;
  /** The slow model's noise variance for each success error. */
  variances: Float64Array;
  /**
   * ln(the chance a shift ends over the gap between each outcome and the provider's outcome
   * before it), computed once when the outcome comes; 0 for a first outcome, which has none.
   */
  endedLogs: Float64Array;
  /** Ticks since the provider's outcome before each (1 for its first outcome). */
  gaps: Float64Array;
  /** ln(the prior that a failure shift began in each outcome's gap): from `startRate`, else ln π. */
  startLogs: Float64Array;
  count: number;
  next: number;
  /** At the last outcome: P(failure shifted), the failure rate if shifted (mean, variance), and the same for the success residual. */
  failureShift: number;
  shiftedRate: number;
  shiftedRateVariance: number;
  /** Long-run failures and the slow model's expected failures (fading 20× slower): its calibration. */
  longFailures: number;
  longExpected: number;
  /** P(the window's oldest outcome was part of a failure shift), as of the last outcome. */
  oldestShift: number;
  successShift: number;
  shiftedResidual: number;
  shiftedResidualVariance: number;
  lastTick: number;
}

/** What the detector believes about one provider now (see {@link ShiftDetector.belief}). */
export interface ShiftBelief {
  failureShift: number;
  shiftedRate: number;
  shiftedRateVariance: number;
  successShift: number;
  shiftedResidual: number;
  shiftedResidualVariance: number;
}

/** A belief of no shift, to fill with {@link ShiftDetector.belief}. */
export function emptyShiftBelief(): ShiftBelief {
  return {
    failureShift: 0,
    shiftedRate: 0,
    shiftedRateVariance: 0,
    successShift: 0,
    shiftedResidual: 0,
    shiftedResidualVariance: 0,
  };
}

export interface ShiftDetectorSnapshot {
  clock: number;
  /**
   * provider id → its recent outcomes, oldest first ([tick, failed 0/1, predicted failure,
   * success error, its noise variance, ticks since the provider's outcome before]; snapshots
   * written before the last was kept have five), and its long-run [failures, expected failures].
   */
  providers: [
    string,
    ([number, number, number, number, number] | [number, number, number, number, number, number])[],
    [number, number],
  ][];
}

/**
 * Detects abrupt changes in a provider — a silent outage, a latency spike — much faster than
 * a slowly learning model can, in the manner of Bayesian online change-point detection
 * (Adams & MacKay 2007) over a short window.
 *
 * It keeps each provider's last 16 outcomes with the slow model's predictions for them
 * (failure probability q̂ⱼ; error eⱼ of the success residual), ticks counted in learned
 * rewards of any provider.
 *
 * Failures: a shift (an outage) begins before an outcome with prior π, or, with `startRate` λ,
 * with prior 1 − e^(−λ·Δt) over the gap of Δt ticks since the provider's outcome before (a
 * provider's first outcome counts as Δt = 1). Once begun, it ends with probability
 * 1 − 2^(−Δt/halfLife) over a gap of Δt ticks (half-life `halfLife`). The
 * hypotheses are "no shift in the window" and every segment of consecutive outcomes that was
 * shifted — either still going on (it reaches the newest outcome) or ended before a later
 * one, the outcomes after it back to the slow model's. A shifted segment's failure rate is
 * unknown (uniform on [0, 1]): its k failures in n outcomes weigh B(k + 1, n − k + 1) against
 * Πⱼ q̂ⱼ^fⱼ(1 − q̂ⱼ)^(1−fⱼ) under the slow model, times that prior, times the chance the shift lasted
 * (2^(−duration/halfLife)) and, for one that ended, the chance it ended where it did. The
 * belief that a provider is shifted now is the weight of the ongoing segments; its rate is
 * their Beta(k + 1, n − k + 1) mixed. So one failure after a long silence brings an outage
 * straight back (the segment simply goes on), and one success after it reads as the outage
 * having ended, not as a slightly lower outage rate.
 *
 * Success residual: outcomes weigh 2^(−age/successHalfLife); hypotheses: no change, or a change
 * just before the s-th newest outcome (prior π each), after which the residual shifts by
 * δ ~ N(0, τ²), τ = 2: Bayes factor N(ē; 0, 1/P + τ²) / N(ē; 0, 1/P), ē the precision-weighted
 * mean error of the last s successes and P their total precision (each error's noise variance
 * comes from the slow model); the shift is N(ē·τ²/(τ² + 1/P), τ²(1/P)/(τ² + 1/P)).
 *
 * The slow model may be off for a provider (a strong prior), so its failure predictions are
 * first scaled by the provider's long-run record: failures over expected failures, with 5
 * pseudo-counts each, fading 20× slower than `halfLife`. With `calibrateFromPast` an outcome
 * joins that record only when it leaves the window, weighted by the posterior probability that
 * it was not part of a shifted segment; otherwise each failure of an outage's first jobs
 * raises the calibration while it is being judged, and so partly explains itself away. (A
 * snapshot written before this option keeps its window's outcomes in the record too; they
 * count once more as they leave the window, a small difference that fades.)
 *
 * The estimates returned mix the slow model's with the shifted ones by the posterior
 * probability of a shift, faded with the time since the provider's last outcome (by
 * `halfLife` for failures, `successHalfLife` for the residual), so an avoided provider is tried
 * again. With π = 0.0002 and q̂ = 5% (a provider whose record matches the model): after 1, 2,
 * 3, 4 failures in a row the estimate is 5.2%, 6.7%, 18%, 54% (with `calibrateFromPast`: 5.2%,
 * 7.7%, 33%, 69%).
 */
export class ShiftDetector {
  readonly #halfLife: number;
  readonly #successHalfLife: number;
  readonly #logPrior: number;
  readonly #startRate: number;
  readonly #enabled: boolean;
  readonly #calibrateFromPast: boolean;
  readonly #providers = new Map<string, ProviderEvidence>();
  readonly #successLog = new Float64Array(WINDOW);
  readonly #successMean = new Float64Array(WINDOW);
  readonly #successSecond = new Float64Array(WINDOW);
  readonly #mixed: [number, number, number] = [0, 0, 0];
  /** Per outcome, newest first (index i: the i newest): failures, slow-model log-likelihood (cumulative), tick. */
  readonly #cumulativeFailures = new Float64Array(WINDOW + 1);
  readonly #cumulativeNull = new Float64Array(WINDOW + 1);
  readonly #ticks = new Float64Array(WINDOW + 1);
  readonly #endedLogs = new Float64Array(WINDOW + 1);
  readonly #startLogs = new Float64Array(WINDOW + 1);
  /** The log weight of every shifted segment of a window, in the order `#judgeFailures` visits them. */
  readonly #segmentLogs = new Float64Array((WINDOW * (WINDOW + 1)) / 2);
  #clock = 0;

  constructor(options: ShiftDetectorOptions) {
    this.#enabled = options.halfLife > 0 && options.prior > 0;
    this.#halfLife = options.halfLife;
    this.#successHalfLife = options.successHalfLife;
    this.#logPrior = Math.log(options.prior);
    this.#startRate = options.startRate ?? 0;
    this.#calibrateFromPast = options.calibrateFromPast ?? false;
  }

  /**
   * Records one learned outcome with the slow model's predictions before learning it: its
   * failure probability and, for a success, its error and that error's noise variance.
   */
  observe(providerId: string, failed: boolean, predictedFailure: number, successError: number, noiseVariance: number): void {
    if (!this.#enabled) return;
    this.#clock++;
    let evidence = this.#providers.get(providerId);
    if (evidence === undefined) {
      evidence = emptyEvidence();
      this.#providers.set(providerId, evidence);
    }
    const longFade = 2 ** (-(this.#clock - evidence.lastTick) / (LONG_RUN * this.#halfLife));
    evidence.longFailures *= longFade;
    evidence.longExpected *= longFade;
    const at = evidence.next;
    if (!this.#calibrateFromPast) {
      evidence.longFailures += failed ? 1 : 0;
      evidence.longExpected += predictedFailure;
    } else if (evidence.count === WINDOW) {
      // The oldest outcome leaves the window: the calibration learns it, as far as it was not shifted.
      const unshifted = 1 - evidence.oldestShift;
      evidence.longFailures += unshifted * (evidence.failed[at] as number);
      evidence.longExpected += unshifted * (evidence.predicted[at] as number);
    }
    evidence.ticks[at] = this.#clock;
    evidence.failed[at] = failed ? 1 : 0;
    evidence.predicted[at] = Math.min(1 - 1e-9, Math.max(1e-9, predictedFailure));
    evidence.errors[at] = failed ? 0 : successError;
    evidence.variances[at] = failed ? 1 : Math.max(1e-6, noiseVariance);
    this.#keepGap(evidence, at, evidence.count === 0 ? undefined : this.#clock - evidence.lastTick);
    evidence.next = (at + 1) % WINDOW;
    if (evidence.count < WINDOW) evidence.count++;
    evidence.lastTick = this.#clock;
    this.#judge(evidence);
  }

  /**
   * Writes the provider's belief into `out`: the probability that its failure rate and its
   * success residual have shifted (faded with the time since its last outcome), and what
   * they shifted to (mean and variance). All zeros for a provider with no evidence.
   */
  belief(providerId: string, out: ShiftBelief): void {
    const e = this.#providers.get(providerId);
    if (e === undefined || !this.#enabled) {
      out.failureShift = 0;
      out.successShift = 0;
      return;
    }
    const untried = this.#clock - e.lastTick;
    out.failureShift = e.failureShift * 2 ** (-untried / this.#halfLife);
    out.shiftedRate = e.shiftedRate;
    out.shiftedRateVariance = e.shiftedRateVariance;
    out.successShift = e.successShift * 2 ** (-untried / this.#successHalfLife);
    out.shiftedResidual = e.shiftedResidual;
    out.shiftedResidualVariance = e.shiftedResidualVariance;
  }

  toJSON(): ShiftDetectorSnapshot {
    const providers: ShiftDetectorSnapshot["providers"] = [];
    for (const [id, e] of this.#providers) {
      const outcomes: [number, number, number, number, number, number][] = [];
      for (let i = 0; i < e.count; i++) {
        const at = (e.next - e.count + i + WINDOW) % WINDOW;
        outcomes.push([
          e.ticks[at] as number,
          e.failed[at] as number,
          e.predicted[at] as number,
          e.errors[at] as number,
          e.variances[at] as number,
          e.gaps[at] as number,
        ]);
      }
      providers.push([id, outcomes, [e.longFailures, e.longExpected]]);
    }
    return { clock: this.#clock, providers };
  }

  /** Restores what `toJSON` wrote into this (new) detector; `field` names the snapshot part in errors. */
  restore(snapshot: unknown, field: string): void {
    const s = snapshot as Partial<ShiftDetectorSnapshot> | null;
    if (
      typeof s !== "object" ||
      s === null ||
      !Number.isSafeInteger(s.clock) ||
      (s.clock as number) < 0 ||
      !Array.isArray(s.providers)
    ) {
      throw ValidationError.forField(field, "must be { clock, providers } as a shift detector's toJSON() wrote it");
    }
    const clock = s.clock as number;
    s.providers.forEach((entry, i) => {
      const where = `${field}.providers[${i}]`;
      const longRun = Array.isArray(entry) ? entry[2] : undefined;
      if (
        !Array.isArray(entry) ||
        typeof entry[0] !== "string" ||
        !Array.isArray(entry[1]) ||
        entry[1].length > WINDOW ||
        !Array.isArray(longRun) ||
        longRun.length !== 2 ||
        !longRun.every((v) => typeof v === "number" && Number.isFinite(v) && v >= 0)
      ) {
        throw ValidationError.forField(where, `must be [provider id, up to ${WINDOW} outcomes, [failures, expected failures]]`);
      }
      const evidence = emptyEvidence();
      (entry[1] as unknown[]).forEach((outcome, j) => {
        const o = outcome as number[];
        const ok =
          Array.isArray(o) &&
          (o.length === 5 || (o.length === 6 && (o[5] as number) >= 0)) &&
          o.every((v) => typeof v === "number" && Number.isFinite(v)) &&
          Number.isSafeInteger(o[0]) &&
          (o[0] as number) <= clock &&
          (o[1] === 0 || o[1] === 1) &&
          (o[2] as number) > 0 &&
          (o[2] as number) < 1 &&
          (o[4] as number) > 0;
        if (!ok) {
          throw ValidationError.forField(
            `${where}[1][${j}]`,
            "must be [tick ≤ clock, failed 0 or 1, predicted failure in (0, 1), success error, its variance > 0, ticks since the outcome before ≥ 0]",
          );
        }
        evidence.ticks[j] = o[0] as number;
        evidence.failed[j] = o[1] as number;
        evidence.predicted[j] = o[2] as number;
        evidence.errors[j] = o[3] as number;
        evidence.variances[j] = o[4] as number;
        // Snapshots before the gaps were kept: the gap is the one to the outcome before in the
        // window; the oldest one's is not known, and is taken as for a first outcome.
        this.#keepGap(
          evidence,
          j,
          o.length === 6 ? (o[5] as number) : j === 0 ? undefined : (o[0] as number) - evidence.lastTick,
        );
        evidence.lastTick = o[0] as number;
      });
      evidence.count = entry[1].length;
      evidence.longFailures = longRun[0] as number;
      evidence.longExpected = longRun[1] as number;
      evidence.next = evidence.count % WINDOW;
      this.#providers.set(entry[0], evidence);
    });
    this.#clock = clock;
    for (const evidence of this.#providers.values()) {
      if (evidence.count > 0) this.#judge(evidence, evidence.lastTick);
    }
  }

  /**
   * Keeps the gap before the outcome at `at` (ticks since the provider's outcome before;
   * `undefined` for its first, which starts its record: nothing before it to shift from, so
   * taken as 1) and the two logs judged from it, computed once here rather than on every outcome.
   */
  #keepGap(e: ProviderEvidence, at: number, gap: number | undefined): void {
    e.gaps[at] = gap ?? 1;
    e.endedLogs[at] = gap === undefined ? 0 : this.#endedLog(gap);
    e.startLogs[at] = this.#startLog(gap ?? 1);
  }

  /** ln(the prior that a failure shift began in a gap of `ticks` before an outcome). */
  #startLog(ticks: number): number {
    if (this.#startRate === 0) return this.#logPrior;
    return Math.log(-Math.expm1(-this.#startRate * Math.max(1, ticks)));
  }

  /** ln(the chance that a shift ends over a gap of `ticks`), 1 − 2^(−ticks/halfLife), kept above 0. */
  #endedLog(ticks: number): number {
    return Math.log(-Math.expm1(-(Math.LN2 / this.#halfLife) * ticks) + 1e-300);
  }

  /** Recomputes the posterior over shifts from the window, as of tick `now`. */
  #judge(e: ProviderEvidence, now = this.#clock): void {
    this.#judgeFailures(e);
    const tau2 = SUCCESS_SHIFT_SD * SUCCESS_SHIFT_SD;
    const successLog = this.#successLog;
    const successMean = this.#successMean;
    const successSecond = this.#successSecond;
    let precision = 0;
    let errorSum = 0;
    let successHypotheses = 0;
    // Hypothesis s: a change just before the s-th newest outcome. Log weights relative to "no change" (0).
    for (let s = 1; s <= e.count; s++) {
      const at = (e.next - s + WINDOW) % WINDOW;
      if (e.failed[at] === 1) continue;
      const weight = 2 ** (-(now - (e.ticks[at] as number)) / this.#successHalfLife);
      const observationPrecision = weight / (e.variances[at] as number);
      precision += observationPrecision;
      errorSum += observationPrecision * (e.errors[at] as number);
      const quiet = 1 / precision;
      if (quiet === Number.POSITIVE_INFINITY) {
        // Outcomes so old that their weight is 0 in floating point (over ~1,074 half-lives): they
        // tell nothing, and the hypothesis is its prior's limit, not 0/0.
        successLog[successHypotheses] = this.#logPrior;
        successMean[successHypotheses] = 0;
        successSecond[successHypotheses] = tau2;
        successHypotheses++;
        continue;
      }
      const mean = errorSum / precision;
      const loud = quiet + tau2;
      const shift = (mean * tau2) / loud;
      successLog[successHypotheses] = this.#logPrior + 0.5 * Math.log(quiet / loud) + 0.5 * mean * mean * (1 / quiet - 1 / loud);
      successMean[successHypotheses] = shift;
      successSecond[successHypotheses] = (tau2 * quiet) / loud + shift * shift;
      successHypotheses++;
    }
    mixture(successLog, successMean, successSecond, successHypotheses, this.#mixed);
    [e.successShift, e.shiftedResidual, e.shiftedResidualVariance] = this.#mixed;
  }

  /**
   * The failure part: every segment (r, s] of the window's outcomes, counted from the newest
   * (the s − r outcomes from the s-th newest to the (r + 1)-th), shifted; r = 0 is a shift
   * still going on. Log weights relative to "no shift" (0), mixed in two passes for stability.
   */
  #judgeFailures(e: ProviderEvidence): void {
    const m = e.count;
    const failures = this.#cumulativeFailures;
    const nullLog = this.#cumulativeNull;
    const ticks = this.#ticks;
    const endedLogs = this.#endedLogs;
    const startLogs = this.#startLogs;
    const hazard = Math.LN2 / this.#halfLife;
    // The slow model may be off for this provider (a strong prior): judge shifts against its record.
    const calibration = (e.longFailures + CALIBRATION_PRIOR) / (e.longExpected + CALIBRATION_PRIOR);
    for (let i = 1; i <= m; i++) {
      const at = (e.next - i + WINDOW) % WINDOW;
      const q = Math.min(0.5, (e.predicted[at] as number) * calibration);
      const failed = e.failed[at] === 1;
      failures[i] = (failures[i - 1] as number) + (failed ? 1 : 0);
      nullLog[i] = (nullLog[i - 1] as number) + (failed ? Math.log(q) : Math.log1p(-q));
      ticks[i] = e.ticks[at] as number;
      endedLogs[i] = e.endedLogs[at] as number;
      startLogs[i] = e.startLogs[at] as number;
    }
    // Each segment's log weight, computed once: the first loop finds the largest, the second mixes.
    const logs = this.#segmentLogs;
    let top = 0;
    let count = 0;
    for (let r = 0; r < m; r++) {
      // A shift that ended between the (r + 1)-th and the r-th newest outcome.
      const ended = r === 0 ? 0 : (endedLogs[r] as number);
      for (let s = r + 1; s <= m; s++) {
        const k = (failures[s] as number) - (failures[r] as number);
        const n = s - r;
        const log =
          (startLogs[s] as number) +
          ended -
          hazard * ((ticks[r + 1] as number) - (ticks[s] as number)) +
          (LOG_FACTORIAL[k] as number) +
          (LOG_FACTORIAL[n - k] as number) -
          (LOG_FACTORIAL[n + 1] as number) -
          ((nullLog[s] as number) - (nullLog[r] as number));
        logs[count++] = log;
        if (log > top) top = log;
      }
    }
    let total = Math.exp(-top);
    let ongoing = 0;
    let mean = 0;
    let second = 0;
    let oldest = 0;
    for (let r = 0, i = 0; r < m; r++) {
      for (let s = r + 1; s <= m; s++) {
        const w = Math.exp((logs[i++] as number) - top);
        total += w;
        if (s === m) oldest += w;
        if (r > 0) continue;
        const k = failures[s] as number;
        const rate = (k + 1) / (s + 2);
        ongoing += w;
        mean += w * rate;
        second += w * ((rate * (1 - rate)) / (s + 3) + rate * rate);
      }
    }
    e.failureShift = ongoing / total;
    e.oldestShift = oldest / total;
    e.shiftedRate = ongoing > 0 ? mean / ongoing : 0;
    e.shiftedRateVariance = ongoing > 0 ? Math.max(0, second / ongoing - e.shiftedRate * e.shiftedRate) : 0;
  }
}

/**
 * Mixes hypotheses with log weights `logs[0..count)` (relative to a "no change" hypothesis of
 * log weight 0) into [P(change), mean, variance] of the changed quantity, computed stably.
 */
function mixture(
  logs: Float64Array,
  means: Float64Array,
  seconds: Float64Array,
  count: number,
  out: [number, number, number],
): void {
  let top = 0;
  for (let i = 0; i < count; i++) top = Math.max(top, logs[i] as number);
  let total = Math.exp(-top);
  let changed = 0;
  let mean = 0;
  let second = 0;
  for (let i = 0; i < count; i++) {
    const w = Math.exp((logs[i] as number) - top);
    changed += w;
    mean += w * (means[i] as number);
    second += w * (seconds[i] as number);
  }
  total += changed;
  if (changed === 0) {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0;
    return;
  }
  out[0] = changed / total;
  out[1] = mean / changed;
  out[2] = Math.max(0, second / changed - out[1] * out[1]);
}

function emptyEvidence(): ProviderEvidence {
  return {
    ticks: new Float64Array(WINDOW),
    failed: new Uint8Array(WINDOW),
    predicted: new Float64Array(WINDOW),
    errors: new Float64Array(WINDOW),
    variances: new Float64Array(WINDOW).fill(1),
    endedLogs: new Float64Array(WINDOW),
    gaps: new Float64Array(WINDOW),
    startLogs: new Float64Array(WINDOW),
    count: 0,
    next: 0,
    failureShift: 0,
    shiftedRate: 0,
    shiftedRateVariance: 0,
    longFailures: 0,
    longExpected: 0,
    oldestShift: 0,
    successShift: 0,
    shiftedResidual: 0,
    shiftedResidualVariance: 0,
    lastTick: 0,
  };
}
