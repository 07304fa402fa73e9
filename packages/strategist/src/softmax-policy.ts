import type { Provider, Rng } from "@aurora/domain";
import type { ArmStatisticsSnapshot } from "./arm-statistics.js";
import type { BanditEstimate } from "./bandit-model.js";
import type { BanditParams } from "./bandit-options.js";
import { banditRules } from "./bandit-options.js";
import { BanditPolicy } from "./bandit-policy.js";
import type { LearningSnapshotHead } from "./learning-policy.js";
import type { OptionRules } from "./option-rules.js";
import { numberRule, resolveOptions } from "./option-rules.js";
import type { Choice, ChooseRequest, RecordedChoice } from "./policy.js";
import { replayedLastEpsilon, restoreLastEpsilon } from "./policy-setup.js";
import type { JsonObject } from "./snapshot-fields.js";
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

export interface SoftmaxSnapshot extends LearningSnapshotHead<"softmax", SoftmaxParams> {
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
export class SoftmaxPolicy extends BanditPolicy<"softmax", SoftmaxParams> {
  readonly name = "softmax" as const;
  #weights = new Float64Array(8);
  #lastEpsilon = 0;

  constructor(options: SoftmaxPolicyOptions = {}) {
    super(options, resolveSoftmaxOptions);
  }

  choose(request: ChooseRequest): Choice {
    const scale = this.checkChoose(request);
    const greedy = this.estimateCandidates(request);
    const { stateKey, candidates } = request;
    const n = candidates.length;
    const estimates = this.fill(n);
    if (this.#weights.length < n) this.#weights = new Float64Array(n * 2);
    const weights = this.#weights;
    const temperature = this.settings.temperature * scale;
    const top = (estimates[greedy] as BanditEstimate).value;
    let total = 0;
    for (let i = 0; i < n; i++) {
      // Shifted by the top value so that exp never overflows; a zero temperature (d = 1 cannot reach it) would be greedy.
      const w = Math.exp(((estimates[i] as BanditEstimate).value - top) / temperature);
      weights[i] = w;
      total += w;
    }
    const u = this.rng() * total;
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
    this.decided(stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (estimates[pick] as BanditEstimate).value,
      epsilon: this.#lastEpsilon,
      probability: (weights[pick] as number) / total,
      stateKey: this.keptStateKey,
    };
  }

  /** Every candidate's softmax probability for this request, in order (no side effects). */
  probabilities(request: ChooseRequest): number[] {
    const scale = this.checkChoose(request);
    const values = this.estimate(request);
    const top = Math.max(...values);
    const weights = values.map((v) => Math.exp((v - top) / (this.settings.temperature * scale)));
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / total);
  }

  /**
   * Repeats a recorded decision (see `Policy.replay`): chosen again for what choosing keeps (the
   * decision counted, providers new to the state), the pick discarded; the ε reported from then on
   * is the recorded decision's (another replica's model, which made it, may differ a little).
   */
  replay(request: ChooseRequest, recorded: RecordedChoice): Choice {
    const choice = this.choose(request);
    this.#lastEpsilon = replayedLastEpsilon(recorded, this.#lastEpsilon);
    return choice;
  }

  toJSON(): SoftmaxSnapshot {
    return { ...this.snapshotHead(), arms: this.model.toJSON(), ...this.tailFields() };
  }

  protected override tailFields(): { last_epsilon: number } {
    return { last_epsilon: this.#lastEpsilon };
  }

  /** Restores a snapshot; settings come from its `params`, each overridden by `options`. */
  static fromJSON(snapshot: unknown, options: SoftmaxPolicyOptions = {}): SoftmaxPolicy {
    return SoftmaxPolicy.restored("softmax", resolveSoftmaxOptions, snapshot, options, (settings) => new SoftmaxPolicy(settings));
  }

  protected override restore(saved: JsonObject): void {
    super.restore(saved);
    this.#lastEpsilon = restoreLastEpsilon(own(saved, "last_epsilon"));
  }

  protected exploration(): number {
    return this.#lastEpsilon;
  }
}
