import type { Rng } from "@aurora/domain";
import type { PolicyRewardWeights } from "./reward-decomposition.js";

export interface PolicyDeps {
  /** Uniform numbers in [0, 1); each policy defaults to `Math.random`. */
  rng?: Rng;
  /** A saved state to resume from (`toJSON()` output or a parsed model file). */
  snapshot?: unknown;
  /**
   * The weights of the reward the caller computes (the engine's `rewardWeights`, the SPEC's where
   * it sets none), given to every policy that decomposes the reward, at every level of a composite.
   * They override the weights a snapshot saved; a config naming other weights is refused
   * (`ValidationError` naming `rewardWeights.<name>`), since the policy would then learn a reward
   * nobody computes.
   */
  rewardWeights?: Partial<PolicyRewardWeights>;
}

/** The deps a composite gives one of its policies: its rng, that policy's own snapshot, the caller's reward weights. */
export function childDeps(deps: PolicyDeps, snapshot: unknown, rng: Rng | undefined = deps.rng): PolicyDeps {
  return {
    ...(rng !== undefined ? { rng } : {}),
    ...(snapshot !== undefined ? { snapshot } : {}),
    ...(deps.rewardWeights !== undefined ? { rewardWeights: deps.rewardWeights } : {}),
  };
}
