import type { Provider, Rng } from "@aurora/domain";
import type { BanditEstimate } from "./bandit-model.js";
import { BanditModel, emptyBanditEstimate } from "./bandit-model.js";
import type { BanditParams } from "./bandit-options.js";
import { LearningPolicy } from "./learning-policy.js";
import type { ChooseRequest, RewardUpdate } from "./policy.js";
import { requireRng } from "./policy-setup.js";

/** A non-contextual bandit (UCB1, Thompson sampling, softmax): a {@link LearningPolicy} over a per-state {@link BanditModel}. */
export abstract class BanditPolicy<K extends string, P extends BanditParams> extends LearningPolicy<K, P, BanditModel> {
  readonly #estimates: BanditEstimate[] = [];
  /** The key string kept for the state `estimateCandidates` last estimated, if it has arms (see `Choice.stateKey`). */
  protected keptStateKey: string | undefined;

  /** Checks `options.rng`, then resolves the rest of `options` with `resolve`. */
  protected constructor(options: { rng?: Rng } | undefined, resolve: (input: unknown) => P) {
    const { rng, ...params } = options ?? {};
    const checkedRng = requireRng(rng);
    const settings = resolve(params);
    super(checkedRng, settings, new BanditModel(settings), "arms");
  }

  /**
   * `toJSON()` as of now, cheap to take with many states: the same fields, the arms copied (see
   * `ArmStatistics.snapshot`) rather than turned into an object per state and arm.
   */
  snapshot(): object {
    return { ...this.snapshotHead(), arms: this.model.statistics.snapshot(), ...this.tailFields() };
  }

  /** The snapshot's fields after the head and `arms` (none unless a policy keeps more). */
  protected tailFields(): object {
    return {};
  }

  /** The first `n` reusable estimates (grown as needed; their values are whatever was last written). */
  protected fill(n: number): BanditEstimate[] {
    while (this.#estimates.length < n) this.#estimates.push(emptyBanditEstimate());
    return this.#estimates;
  }

  /**
   * Estimates each of the request's candidates into the reusable estimates (see {@link fill})
   * and returns the index of the best mean, the first on a tie. With `keep` (for `choose`) it
   * also keeps them for `estimate` and the state's key string; without it (for `probabilities`)
   * it leaves both as they were.
   */
  protected estimateCandidates(request: ChooseRequest, keep = true): number {
    const { stateKey, context, candidates } = request;
    const estimates = this.fill(candidates.length);
    const state = this.model.statistics.stateArms(stateKey);
    if (keep) this.keptStateKey = state?.stateKey;
    let greedy = 0;
    for (let i = 0; i < candidates.length; i++) {
      const estimate = estimates[i] as BanditEstimate;
      this.model.estimate(state, context, candidates[i] as Provider, estimate);
      if (estimate.value > (estimates[greedy] as BanditEstimate).value) greedy = i;
    }
    if (keep) this.keepChosen(request, estimates);
    return greedy;
  }

  protected values(request: ChooseRequest): number[] {
    const estimate = this.fill(1)[0] as BanditEstimate;
    const state = this.model.statistics.stateArms(request.stateKey);
    return request.candidates.map((candidate) => {
      this.model.estimate(state, request.context, candidate, estimate);
      return estimate.value;
    });
  }

  protected valueFor(update: RewardUpdate): number {
    const estimate = this.fill(1)[0] as BanditEstimate;
    this.model.estimate(this.model.statistics.stateArms(update.stateKey), update.context, update.provider, estimate);
    return estimate.value;
  }
}
