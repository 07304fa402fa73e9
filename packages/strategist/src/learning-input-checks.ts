import { effectiveEpsilon } from "./epsilon-greedy.js";
import type { ChooseRequest, RewardUpdate } from "./policy.js";
import { requireChooseRequest, requireRewardUpdate } from "./policy-input-checks.js";

/**
 * Checks what every policy relies on in a `ChooseRequest` (the engine has validated the
 * records themselves): a non-empty state key, at least one candidate, distinct non-empty
 * provider ids, a Ψ density in [0, 1]. Returns the exploration scale 1 − 0.5·d (1 without a
 * Ψ density): the seed's Ψ-aware rule, applied by the learning policies to whatever drives
 * their exploration.
 */
export function checkLearningChoose(request: ChooseRequest): number {
  requireChooseRequest(request);
  return effectiveEpsilon(1, request.psiDensity);
}

/** Checks a `RewardUpdate`: state key, provider id, a finite reward. */
export function checkLearningUpdate(update: RewardUpdate): void {
  requireRewardUpdate(update);
}
