import { ValidationError } from "@aurora/domain";

/**
 * The seed's Ψ-aware exploration rate: ε·(1 − 0.5·d) for a Ψ density d in [0, 1], so a
 * dense (high-consciousness) field explores up to half as often. No density → ε.
 */
export function effectiveEpsilon(epsilon: number, psiDensity?: number): number {
  if (psiDensity === undefined) return epsilon;
  if (typeof psiDensity !== "number" || !(psiDensity >= 0 && psiDensity <= 1)) {
    throw ValidationError.forField(
      "psiDensity",
      `must be a number from 0 to 1 (the Ψ density), got ${String(psiDensity)}: leave it out when there is no Ψ reading`,
    );
  }
  return epsilon * (1 - 0.5 * psiDensity);
}

/**
 * The probability that ε-greedy picks one candidate out of `candidateCount`: ε/n from the
 * uniform exploration draw, plus 1 − ε when it is the greedy pick.
 */
export function epsilonGreedyPropensity(epsilon: number, candidateCount: number, isGreedy: boolean): number {
  return epsilon / candidateCount + (isGreedy ? 1 - epsilon : 0);
}

/** The greedy pick: the highest estimate, ties going to the first in candidate order; −1 when empty. */
export function greedyIndex(estimates: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < estimates.length; i++) {
    if (best < 0 || (estimates[i] as number) > (estimates[best] as number)) best = i;
  }
  return best;
}

/** The propensity of every candidate, in candidate order; they sum to 1. */
export function epsilonGreedyPropensities(estimates: readonly number[], epsilon: number): number[] {
  const greedy = greedyIndex(estimates);
  return estimates.map((_, i) => epsilonGreedyPropensity(epsilon, estimates.length, i === greedy));
}

/** One decay step, ε ← max(εmin, ε·decay), that never raises ε (one that starts below εmin stays put). */
export function decayedEpsilon(epsilon: number, decay: number, epsilonMin: number): number {
  return Math.min(epsilon, Math.max(epsilonMin, epsilon * decay));
}
