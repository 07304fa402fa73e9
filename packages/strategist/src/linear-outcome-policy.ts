import type { Rng } from "@aurora/domain";
import { LearningPolicy } from "./learning-policy.js";
import { CandidateScratch, estimateAll, estimateOne } from "./linear-candidates.js";
import type { LinearModelParams } from "./linear-model-options.js";
import { LinearOutcomeModel } from "./linear-outcome-model.js";
import type { ChooseRequest, RewardUpdate } from "./policy.js";

/** A contextual bandit (LinUCB, linear Thompson sampling): a {@link LearningPolicy} over one {@link LinearOutcomeModel} shared by every state. */
export abstract class LinearOutcomePolicy<K extends string, P extends LinearModelParams> extends LearningPolicy<
  K,
  P,
  LinearOutcomeModel
> {
  readonly #scratch = new CandidateScratch();

  protected constructor(rng: Rng, settings: P) {
    super(rng, settings, new LinearOutcomeModel(settings), "model");
  }

  /** Per-candidate scratch, reused across calls. */
  protected get scratch(): CandidateScratch {
    return this.#scratch;
  }

  protected values(request: ChooseRequest): number[] {
    return estimateAll(this.model, request, this.#scratch);
  }

  protected valueFor(update: RewardUpdate): number {
    return estimateOne(this.model, update, this.#scratch);
  }
}
