import { ValidationError } from "@aurora/domain";
import { isObject, own, requireCount, requireFinite } from "./snapshot-fields.js";

/** z for a two-sided 95% normal interval. */
export const Z_95 = 1.959963984540054;

/** A reward summary as stats report it: the interval is `null` until two rewards are in. */
export interface RewardSummary {
  /** Rewards observed. */
  count: number;
  /** Their (weighted) mean; 0 when none. */
  mean: number;
  /** mean − z·standard error; `null` with fewer than two rewards (effectively). */
  ci_low: number | null;
  /** mean + z·standard error. */
  ci_high: number | null;
}

/** The state of a {@link RunningStats}, as snapshots keep it. */
export interface RunningStatsJson {
  count: number;
  weight: number;
  weight2: number;
  mean: number;
  m2: number;
}

/**
 * Running mean and variance (Welford's algorithm, in West's weighted form), optionally
 * discounted: `push(x, decay)` first multiplies every earlier reward's weight by `decay`, so
 * with decay τ < 1 a reward k samples old weighs τᵏ. With decay 1 (the default) it is plain
 * Welford. Variance uses reliability weights, m2 / (W − W₂/W), which is the sample variance
 * m2 / (n − 1) when undiscounted; the effective sample size is n_eff = W²/W₂; the standard
 * error of the mean is √(variance / n_eff).
 */
export class RunningStats {
  #count = 0;
  /** W = Σ wᵢ */
  #weight = 0;
  /** W₂ = Σ wᵢ² */
  #weight2 = 0;
  #mean = 0;
  /** Σ wᵢ (xᵢ − mean)² */
  #m2 = 0;

  /** Rewards pushed in all (not discounted). */
  get count(): number {
    return this.#count;
  }

  get mean(): number {
    return this.#mean;
  }

  /** W²/W₂: how many equally weighted rewards carry as much information; `count` when undiscounted. */
  get effectiveCount(): number {
    return this.#weight2 > 0 ? (this.#weight * this.#weight) / this.#weight2 : 0;
  }

  /** The unbiased (reliability-weighted) variance; 0 with fewer than two effective rewards. */
  get variance(): number {
    const denominator = this.#weight - this.#weight2 / this.#weight;
    return this.#weight > 0 && denominator > 1e-12 ? Math.max(0, this.#m2 / denominator) : 0;
  }

  /** Standard error of the mean, √(variance / n_eff); `Infinity` below two effective rewards. */
  get standardError(): number {
    const n = this.effectiveCount;
    return n >= 2 - 1e-9 ? Math.sqrt(this.variance / n) : Number.POSITIVE_INFINITY;
  }

  /** Adds one reward after discounting the earlier ones by `decay` (1: no discount). */
  push(reward: number, decay = 1): void {
    this.discount(decay);
    this.#count++;
    this.#weight += 1;
    this.#weight2 += 1;
    const delta = reward - this.#mean;
    this.#mean += delta / this.#weight;
    this.#m2 += delta * (reward - this.#mean);
  }

  /** Multiplies every reward's weight by `decay` (the mean does not move). */
  discount(decay: number): void {
    if (decay === 1) return;
    this.#weight *= decay;
    this.#weight2 *= decay * decay;
    this.#m2 *= decay;
  }

  /** mean − z·SE (−∞ below two effective rewards). */
  lowerBound(z: number): number {
    const se = this.standardError;
    return se === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : this.#mean - z * se;
  }

  /** mean + z·SE (+∞ below two effective rewards). */
  upperBound(z: number): number {
    const se = this.standardError;
    return se === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : this.#mean + z * se;
  }

  summary(z = Z_95): RewardSummary {
    const finite = this.standardError !== Number.POSITIVE_INFINITY;
    return {
      count: this.#count,
      mean: this.#mean,
      ci_low: finite ? this.lowerBound(z) : null,
      ci_high: finite ? this.upperBound(z) : null,
    };
  }

  /** Writes `toJSON()`'s five numbers, in its order, into `out` from `at` (a copy without an object). */
  copyInto(out: Float64Array, at: number): void {
    out[at] = this.#count;
    out[at + 1] = this.#weight;
    out[at + 2] = this.#weight2;
    out[at + 3] = this.#mean;
    out[at + 4] = this.#m2;
  }

  toJSON(): RunningStatsJson {
    return { count: this.#count, weight: this.#weight, weight2: this.#weight2, mean: this.#mean, m2: this.#m2 };
  }

  /** Restores `toJSON()` output; a bad field throws `ValidationError` naming it under `field`. */
  static fromJSON(value: unknown, field: string): RunningStats {
    if (!isObject(value)) throw ValidationError.forField(field, "must be an object { count, weight, weight2, mean, m2 }");
    const stats = new RunningStats();
    stats.#count = requireCount(own(value, "count"), `${field}.count`);
    stats.#weight = requireFinite(own(value, "weight"), `${field}.weight`);
    stats.#weight2 = requireFinite(own(value, "weight2"), `${field}.weight2`);
    stats.#mean = requireFinite(own(value, "mean"), `${field}.mean`);
    stats.#m2 = requireFinite(own(value, "m2"), `${field}.m2`);
    if (stats.#weight < 0 || stats.#weight2 < 0 || stats.#m2 < 0) {
      throw ValidationError.forField(field, "weight, weight2 and m2 must not be negative");
    }
    return stats;
  }
}
