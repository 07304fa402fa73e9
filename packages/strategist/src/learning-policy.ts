import type { Context, Provider, Rng } from "@aurora/domain";
import type { DistinctStatesJson } from "./distinct-states.js";
import type { LearningCountersSnapshot } from "./learning-counters.js";
import { LearningCounters } from "./learning-counters.js";
import { checkLearningChoose, checkLearningUpdate } from "./learning-input-checks.js";
import { MODEL_FORMAT, MODEL_VERSION } from "./model-snapshot.js";
import type { Choice, ChooseRequest, Policy, PolicySnapshot, RewardUpdate, StrategistStats, UpdateResult } from "./policy.js";
import { snapshotSettings } from "./policy-setup.js";
import type { JsonObject } from "./snapshot-fields.js";
import { own } from "./snapshot-fields.js";

/** What the plumbing needs of a learning policy's model: learn a reward, save and restore itself. */
export interface LearnedModel {
  update(update: RewardUpdate): void;
  toJSON(): unknown;
  restore(snapshot: unknown, field: string): void;
}

/** The fields every learning policy's snapshot starts with. */
export type LearningSnapshotHead<K extends string, P> = {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: K;
  params: P;
} & LearningCountersSnapshot & { distinct_states: DistinctStatesJson };

/**
 * What the learning policies (bandits, linear models) share around their model: validated
 * params, the learning counters, the input checks, `estimate`/`update`/`stats` and the
 * snapshot's head. A policy adds its `choose`, how its model values a candidate, and its
 * own snapshot fields.
 */
export abstract class LearningPolicy<K extends string, P extends object, M extends LearnedModel> implements Policy {
  abstract readonly name: K;
  readonly #rng: Rng;
  readonly #settings: P;
  readonly #model: M;
  readonly #modelField: string;
  readonly #counters = new LearningCounters();
  /** What the last `choose` valued, for `estimate`: the request, its context and candidates, each candidate's value. Cleared by `update`. */
  #chosenRequest: ChooseRequest | undefined;
  #chosenContext: Context | undefined;
  #chosenCandidates: readonly Provider[] | undefined;
  readonly #chosenProviders: Provider[] = [];
  readonly #chosenValues: number[] = [];

  /** `modelField`: the snapshot field the model is saved under. */
  protected constructor(rng: Rng, settings: P, model: M, modelField: string) {
    this.#rng = rng;
    this.#settings = settings;
    this.#model = model;
    this.#modelField = modelField;
  }

  protected get rng(): Rng {
    return this.#rng;
  }

  /** The resolved params, uncloned, for the hot path. */
  protected get settings(): P {
    return this.#settings;
  }

  protected get model(): M {
    return this.#model;
  }

  get params(): P {
    return structuredClone(this.#settings);
  }

  abstract choose(request: ChooseRequest): Choice;

  /**
   * Every candidate's expected reward. Asked right after `choose` with the same request — the
   * same object, with the same context and candidate objects, and nothing learned in between —
   * it returns what `choose` computed for them (the engine asks so for its ranked alternatives)
   * instead of valuing every candidate a second time. Otherwise the request is checked and
   * valued anew.
   */
  estimate(request: ChooseRequest): number[] {
    if (this.#isChosen(request)) return this.#chosenValues.slice();
    this.checkChoose(request);
    return this.values(request);
  }

  update(update: RewardUpdate): UpdateResult {
    this.#chosenRequest = undefined;
    checkLearningUpdate(update);
    const before = this.valueFor(update);
    this.model.update(update);
    if (update.attempt !== true) {
      this.#counters.learned(update.stateKey, update.reward);
      this.learned(update);
    }
    return { before, after: this.valueFor(update) };
  }

  stats(): StrategistStats {
    return this.#counters.stats(this.exploration());
  }

  abstract toJSON(): PolicySnapshot;

  /** The ε that `stats()` reports. */
  protected abstract exploration(): number;

  /** Every candidate's expected reward, in order, without side effects. */
  protected abstract values(request: ChooseRequest): number[];

  /** The expected reward of an update's provider for its job. */
  protected abstract valueFor(update: RewardUpdate): number;

  /** Called once per learned reward, after the model and the counters have learned it. */
  protected learned(_update: RewardUpdate): void {}

  /** Checks a choose request; returns the Ψ scale 1 − 0.5·d. */
  protected checkChoose(request: ChooseRequest): number {
    return checkLearningChoose(request);
  }

  protected decided(stateKey: string): void {
    this.#counters.decided(stateKey);
  }

  /**
   * Keeps what `choose` just computed for `request`: `estimates[i].value` is candidate i's expected
   * reward, as `values` would give it now (see `estimate`).
   */
  protected keepChosen(request: ChooseRequest, estimates: readonly { value: number }[]): void {
    const { candidates } = request;
    const n = candidates.length;
    const providers = this.#chosenProviders;
    const values = this.#chosenValues;
    providers.length = n;
    values.length = n;
    for (let i = 0; i < n; i++) {
      providers[i] = candidates[i] as Provider;
      values[i] = (estimates[i] as { value: number }).value;
    }
    this.#chosenRequest = request;
    this.#chosenContext = request.context;
    this.#chosenCandidates = candidates;
  }

  #isChosen(request: ChooseRequest): boolean {
    if (request !== this.#chosenRequest || request.context !== this.#chosenContext) return false;
    const { candidates } = request;
    const providers = this.#chosenProviders;
    if (candidates !== this.#chosenCandidates || candidates.length !== providers.length) return false;
    for (let i = 0; i < providers.length; i++) if (candidates[i] !== providers[i]) return false;
    return true;
  }

  protected counts(): LearningCountersSnapshot & { distinct_states: DistinctStatesJson } {
    return this.#counters.toJSON();
  }

  protected snapshotHead(): LearningSnapshotHead<K, P> {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params: this.params,
      ...this.#counters.toJSON(),
    };
  }

  /** Restores what a snapshot saved: the counters, then the model. */
  protected restore(saved: JsonObject): void {
    this.#counters.restore(saved);
    this.model.restore(own(saved, this.#modelField), this.#modelField);
  }

  /** Builds a policy from a snapshot: settings from its `params`, each overridden by `options`; then {@link restore}. */
  protected static restored<P extends object, T extends LearningPolicy<string, P, LearnedModel>>(
    kind: string,
    resolve: (input: unknown, root?: string) => P,
    snapshot: unknown,
    options: { rng?: Rng },
    create: (options: P & { rng?: Rng }) => T,
  ): T {
    const { rng, ...overrides } = options ?? {};
    const settings = snapshotSettings(kind, resolve, snapshot, overrides);
    const policy = create({ ...settings.params, ...(rng !== undefined ? { rng } : {}) });
    (policy as LearningPolicy<string, P, LearnedModel>).restore(settings.snapshot);
    return policy;
  }
}
