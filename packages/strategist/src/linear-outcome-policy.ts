import type { Context, Provider, Rng } from "@aurora/domain";
import { LearningPolicy } from "./learning-policy.js";
import { CandidateScratch, estimateAll, estimateOne } from "./linear-candidates.js";
import type { LinearModelParams } from "./linear-model-options.js";
import type { CandidateEstimate } from "./linear-outcome-model.js";
import { LinearOutcomeModel } from "./linear-outcome-model.js";
import type { ChooseRequest, RewardUpdate } from "./policy.js";

/** A contextual bandit (LinUCB, linear Thompson sampling): a {@link LearningPolicy} over one {@link LinearOutcomeModel} shared by every state. */
export abstract class LinearOutcomePolicy<K extends string, P extends LinearModelParams> extends LearningPolicy<
  K,
  P,
  LinearOutcomeModel
> {
  readonly #scratch = new CandidateScratch();
  /**
   * What the last `choose` computed: every candidate's expected reward, for the request it was
   * given, its context and candidates (the objects themselves). Cleared by every learned reward.
   */
  #chosenRequest: ChooseRequest | undefined;
  #chosenContext: Context | undefined;
  #chosenCandidates: readonly Provider[] | undefined;
  #chosenProviders: Provider[] = [];
  #chosenValues: number[] = [];

  protected constructor(rng: Rng, settings: P) {
    super(rng, settings, new LinearOutcomeModel(settings), "model");
  }

  /** Per-candidate scratch, reused across calls. */
  protected get scratch(): CandidateScratch {
    return this.#scratch;
  }

  /**
   * Every candidate's expected reward. Asked right after `choose` with the same request — the
   * same object, with the same context and candidate objects, and nothing learned in between —
   * it returns what `choose` computed for them (the engine asks so for its ranked alternatives),
   * instead of valuing every candidate a second time. Otherwise the request is checked and valued
   * anew.
   */
  override estimate(request: ChooseRequest): number[] {
    if (this.#isChosen(request)) return this.#chosenValues.slice();
    return super.estimate(request);
  }

  /** Keeps the values `choose` just computed into the scratch estimates, for `estimate` (see there). */
  protected chosen(request: ChooseRequest): void {
    const { candidates } = request;
    const n = candidates.length;
    const providers = this.#chosenProviders;
    const values = this.#chosenValues;
    providers.length = n;
    values.length = n;
    for (let i = 0; i < n; i++) {
      providers[i] = candidates[i] as Provider;
      values[i] = (this.#scratch.estimates[i] as CandidateEstimate).value;
    }
    this.#chosenRequest = request;
    this.#chosenContext = request.context;
    this.#chosenCandidates = candidates;
  }

  protected override learned(): void {
    this.#chosenRequest = undefined;
  }

  protected values(request: ChooseRequest): number[] {
    return estimateAll(this.model, request, this.#scratch);
  }

  protected valueFor(update: RewardUpdate): number {
    return estimateOne(this.model, update, this.#scratch);
  }

  #isChosen(request: ChooseRequest): boolean {
    if (request !== this.#chosenRequest || request.context !== this.#chosenContext) return false;
    const { candidates } = request;
    const providers = this.#chosenProviders;
    if (candidates !== this.#chosenCandidates || candidates.length !== providers.length) return false;
    for (let i = 0; i < providers.length; i++) if (candidates[i] !== providers[i]) return false;
    return true;
  }
}
