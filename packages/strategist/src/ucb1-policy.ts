import type { Provider, Rng } from "@aurora/domain";
import type { ArmStatisticsSnapshot } from "./arm-statistics.js";
import type { BanditEstimate } from "./bandit-model.js";
import type { BanditParams } from "./bandit-options.js";
import { banditRules } from "./bandit-options.js";
import { BanditPolicy } from "./bandit-policy.js";
import type { ExplorationFloorParams } from "./exploration-floor.js";
import { explorationFloorRule, floorPropensity, pickWithFloor } from "./exploration-floor.js";
import type { LearningSnapshotHead } from "./learning-policy.js";
import type { OptionRules } from "./option-rules.js";
import { numberRule, resolveOptions } from "./option-rules.js";
import type { Choice, ChooseRequest } from "./policy.js";

export interface Ucb1Params extends BanditParams, ExplorationFloorParams {
  /** c: width of the confidence bonus. Default 0.3. */
  exploration: number;
}

export type Ucb1Options = Partial<Ucb1Params>;

const ucb1Rules: OptionRules<Ucb1Params> = {
  ...banditRules,
  exploration: numberRule(
    0.3,
    (v) => Number.isFinite(v) && v >= 0,
    "must be a finite number ≥ 0 (c, the width of the confidence bonus)",
  ),
  explorationFloor: explorationFloorRule,
};

export function resolveUcb1Options(input: unknown, root?: string): Ucb1Params {
  return resolveOptions("ucb1", ucb1Rules, input, root);
}

export interface Ucb1Snapshot extends LearningSnapshotHead<"ucb1", Ucb1Params> {
  arms: ArmStatisticsSnapshot;
}

export interface Ucb1PolicyOptions extends Ucb1Options {
  /** Only drawn from when `explorationFloor` > 0. */
  rng?: Rng;
}

/**
 * UCB1 (Auer, Cesa-Bianchi & Fischer 2002) per state over the decomposed reward (registry
 * kind `"ucb1"`), discounted (D-UCB, Garivier & Moulines 2011). Each candidate's index is
 *   value + c·σ·√(2·ln N / n),
 * value = (1 − q)·(known + promise + residual) + q·failure_reward from {@link BanditModel},
 * n the arm's effective count (prior included), N the sum of n over the candidates, and σ the
 * estimated standard deviation of one job's reward with that arm — UCB1's bonus for rewards in
 * [0, 1], scaled by the spread the reward actually has rather than by its whole range
 * (−20 to +10 would explore about thirty times too much). The highest index wins, the first on
 * a tie; the pick's propensity is 1 unless `explorationFloor` ε > 0 mixes in a uniform pick
 * (ε/n + (1 − ε)·[UCB pick]). A Ψ density d scales c and ε by 1 − 0.5·d.
 */
export class Ucb1Policy extends BanditPolicy<"ucb1", Ucb1Params> {
  readonly name = "ucb1" as const;

  constructor(options: Ucb1PolicyOptions = {}) {
    super(options, resolveUcb1Options);
  }

  choose(request: ChooseRequest): Choice {
    const scale = this.checkChoose(request);
    const greedy = this.estimateCandidates(request);
    const { stateKey, candidates } = request;
    const n = candidates.length;
    const estimates = this.fill(n);
    const ucbPick = this.#ucbPick(n, scale);
    const epsilon = this.settings.explorationFloor * scale;
    const pick = pickWithFloor(ucbPick, n, epsilon, this.rng);
    this.decided(stateKey);
    return {
      index: pick,
      providerId: (candidates[pick] as Provider).provider_id,
      mode: pick === greedy ? "exploit" : "explore",
      estimate: (estimates[pick] as BanditEstimate).value,
      epsilon,
      probability: floorPropensity(pick, ucbPick, n, epsilon),
      stateKey: this.keptStateKey,
    };
  }

  /**
   * Each candidate's chance of being picked: 1 for the highest index (the first on a tie) and 0
   * for the others, or ε/n + (1 − ε)·[highest index] with `explorationFloor` ε. Reads the model
   * only; what `choose` kept for `estimate` stays.
   */
  probabilities(request: ChooseRequest): number[] {
    const scale = this.checkChoose(request);
    this.estimateCandidates(request, false);
    const n = request.candidates.length;
    const ucbPick = this.#ucbPick(n, scale);
    const epsilon = this.settings.explorationFloor * scale;
    return Array.from({ length: n }, (_, i) => floorPropensity(i, ucbPick, n, epsilon));
  }

  toJSON(): Ucb1Snapshot {
    return { ...this.snapshotHead(), arms: this.model.toJSON() };
  }

  /** Restores a snapshot; settings come from its `params`, each overridden by `options`. */
  static fromJSON(snapshot: unknown, options: Ucb1PolicyOptions = {}): Ucb1Policy {
    return Ucb1Policy.restored("ucb1", resolveUcb1Options, snapshot, options, (settings) => new Ucb1Policy(settings));
  }

  protected exploration(): number {
    return this.settings.explorationFloor;
  }

  /** The highest UCB index among the first `n` estimates (the first on a tie), c scaled by `scale`. */
  #ucbPick(n: number, scale: number): number {
    const estimates = this.fill(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += (estimates[i] as BanditEstimate).count;
    const logTotal = Math.log(Math.max(total, Math.E));
    const c = this.settings.exploration * scale;
    let ucbPick = 0;
    let bestIndex = -Infinity;
    for (let i = 0; i < n; i++) {
      const estimate = estimates[i] as BanditEstimate;
      const index = estimate.value + c * estimate.rewardSd * Math.sqrt((2 * logTotal) / estimate.count);
      if (index > bestIndex) {
        bestIndex = index;
        ucbPick = i;
      }
    }
    return ucbPick;
  }
}
