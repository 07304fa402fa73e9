import type { ChooseRequest } from "@aurora/strategist";

/**
 * A policy to evaluate, seen only through its action probabilities. It is evaluated as a
 * fixed policy: nothing here ever feeds it a reward.
 */
export interface TargetPolicy {
  readonly name: string;
  /** π(· | request): one probability per candidate, in candidate order, summing to 1. */
  probabilities(request: ChooseRequest): readonly number[];
}
