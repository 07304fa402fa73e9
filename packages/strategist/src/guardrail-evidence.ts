import { ValidationError } from "@aurora/domain";
import type { RewardSummary, RunningStatsJson } from "./running-stats.js";
import { RunningStats } from "./running-stats.js";
import { isObject, own } from "./snapshot-fields.js";

export type EvidenceSide = "policy" | "baseline";

/** One side's evidence as stats report it. */
export interface EvidenceSummary extends RewardSummary {
  /** W²/W₂ of the discounted weights: how many equally weighted rewards the evidence is worth. */
  effective_count: number;
}

export interface GuardrailEvidenceJson {
  policy: RunningStatsJson;
  baseline: RunningStatsJson;
}

/**
 * What a guardrail knows about one scope (a state key, or all of them): the rewards earned
 * where the policy and the baseline picked different providers, split by whose pick was
 * played. Each side is discounted by τ per reward it records, so it weighs its own recent
 * rewards (about 1/(1 − τ) of them) and a side that is rarely played keeps its evidence.
 */
export class GuardrailEvidence {
  #policy = new RunningStats();
  #baseline = new RunningStats();

  record(side: EvidenceSide, reward: number, decay: number): void {
    (side === "policy" ? this.#policy : this.#baseline).push(reward, decay);
  }

  /** Both sides have at least `minSamples` effective rewards. */
  ready(minSamples: number): boolean {
    return this.#policy.effectiveCount >= minSamples && this.#baseline.effectiveCount >= minSamples;
  }

  /** The policy's lower bound beats the baseline's upper bound: mean_p − z·SE_p > mean_b + z·SE_b. */
  trusts(z: number): boolean {
    return this.#policy.lowerBound(z) > this.#baseline.upperBound(z);
  }

  /**
   * The chance the policy's picks are the better ones, Φ((mean_p − mean_b) / √(SE_p² + SE_b²))
   * (normal approximation); 0 while either side has under two effective rewards.
   */
  chanceBetter(): number {
    const se = Math.hypot(this.#policy.standardError, this.#baseline.standardError);
    if (!Number.isFinite(se)) return 0;
    if (se === 0) return this.#policy.mean > this.#baseline.mean ? 1 : 0;
    return normalCdf((this.#policy.mean - this.#baseline.mean) / se);
  }

  /** The side's running statistics (read-only use). */
  side(side: EvidenceSide): Pick<RunningStats, "mean" | "effectiveCount" | "variance"> {
    return side === "policy" ? this.#policy : this.#baseline;
  }

  summary(side: EvidenceSide, z: number): EvidenceSummary {
    const stats = side === "policy" ? this.#policy : this.#baseline;
    return { ...stats.summary(z), effective_count: stats.effectiveCount };
  }

  toJSON(): GuardrailEvidenceJson {
    return { policy: this.#policy.toJSON(), baseline: this.#baseline.toJSON() };
  }

  static fromJSON(value: unknown, field: string): GuardrailEvidence {
    if (!isObject(value)) throw ValidationError.forField(field, "must be an object { policy, baseline }");
    const evidence = new GuardrailEvidence();
    evidence.#policy = RunningStats.fromJSON(own(value, "policy"), `${field}.policy`);
    evidence.#baseline = RunningStats.fromJSON(own(value, "baseline"), `${field}.baseline`);
    return evidence;
  }
}

/** Φ(x), the standard normal CDF (Abramowitz & Stegun 7.1.26 erf approximation, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const y =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-(x * x) / 2);
  return x >= 0 ? 1 - y / 2 : y / 2;
}
