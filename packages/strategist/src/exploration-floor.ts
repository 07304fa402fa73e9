import type { Rng } from "@aurora/domain";
import type { OptionRule } from "./option-rules.js";
import { numberRule } from "./option-rules.js";

/** The option of the deterministic index policies (UCB1, LinUCB) that keeps every candidate's propensity nonzero. */
export interface ExplorationFloorParams {
  /** ε of an optional uniform exploration mixed in, so every candidate keeps a nonzero propensity. Default 0. */
  explorationFloor: number;
}

export const explorationFloorRule: OptionRule<number> = numberRule(
  0,
  (v) => v >= 0 && v <= 1,
  "must be a number from 0 to 1 (ε of the uniform exploration mixed in)",
);

/** `best`, or with probability ε a uniform pick among `n` (u < ε, then ⌊n·u′⌋); draws nothing when ε = 0. */
export function pickWithFloor(best: number, n: number, epsilon: number, rng: Rng): number {
  return epsilon > 0 && rng() < epsilon ? Math.min(n - 1, Math.floor(rng() * n)) : best;
}

/** The propensity of `pick` under {@link pickWithFloor}: ε/n + (1 − ε)·[pick = best]. */
export function floorPropensity(pick: number, best: number, n: number, epsilon: number): number {
  return epsilon / n + (pick === best ? 1 - epsilon : 0);
}
