import { JSON_PIECES, type JsonPieces, ValidationError } from "@aurora/domain";
import { normalCdf } from "./normal-distribution.js";
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

  /** The ten numbers of `toJSON()` (the policy's five, then the baseline's) into `out` from `at`. */
  copyInto(out: Float64Array, at: number): void {
    this.#policy.copyInto(out, at);
    this.#baseline.copyInto(out, at + STATS_FIELDS.length);
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

/** `RunningStatsJson`'s fields, in the order `RunningStats.copyInto` writes them. */
const STATS_FIELDS = ["count", "weight", "weight2", "mean", "m2"] as const;
const PER_SCOPE = 2 * STATS_FIELDS.length;
/** Scopes per piece written by `EvidenceByStateCopy`. */
const SCOPES_PER_PIECE = 2_048;

/**
 * Per-state evidence as of now, copied in one pass into one `Float64Array` (no object per state):
 * what a guardrail's `snapshot()` holds. `toJSON()` gives `{ state key: GuardrailEvidenceJson }`;
 * `[JSON_PIECES]` writes the same JSON a few thousand states a piece.
 */
export class EvidenceByStateCopy implements JsonPieces {
  readonly #stateKeys: string[];
  readonly #values: Float64Array;

  constructor(states: ReadonlyMap<string, GuardrailEvidence>) {
    this.#stateKeys = new Array<string>(states.size);
    this.#values = new Float64Array(states.size * PER_SCOPE);
    let i = 0;
    for (const [stateKey, evidence] of states) {
      this.#stateKeys[i] = stateKey;
      evidence.copyInto(this.#values, i++ * PER_SCOPE);
    }
  }

  toJSON(): Record<string, GuardrailEvidenceJson> {
    const states: Record<string, GuardrailEvidenceJson> = Object.create(null);
    for (let i = 0; i < this.#stateKeys.length; i++) {
      states[this.#stateKeys[i] as string] = { policy: this.#stats(i, 0), baseline: this.#stats(i, STATS_FIELDS.length) };
    }
    return states;
  }

  *[JSON_PIECES](): Generator<string> {
    let text = "{";
    for (let i = 0; i < this.#stateKeys.length; i++) {
      text += `${i > 0 ? "," : ""}${JSON.stringify(this.#stateKeys[i])}:{"policy":${this.#statsText(i, 0)},"baseline":${this.#statsText(i, STATS_FIELDS.length)}}`;
      if ((i + 1) % SCOPES_PER_PIECE === 0) {
        yield text;
        text = "";
      }
    }
    yield `${text}}`;
  }

  #stats(i: number, side: number): RunningStatsJson {
    const at = i * PER_SCOPE + side;
    const v = this.#values;
    return {
      count: v[at] as number,
      weight: v[at + 1] as number,
      weight2: v[at + 2] as number,
      mean: v[at + 3] as number,
      m2: v[at + 4] as number,
    };
  }

  #statsText(i: number, side: number): string {
    const at = i * PER_SCOPE + side;
    let text = "";
    for (let f = 0; f < STATS_FIELDS.length; f++)
      text += `${f > 0 ? "," : "{"}"${STATS_FIELDS[f]}":${JSON.stringify(this.#values[at + f])}`;
    return `${text}}`;
  }
}
