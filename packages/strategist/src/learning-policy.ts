import type { Rng } from "@aurora/domain";
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

  estimate(request: ChooseRequest): number[] {
    this.checkChoose(request);
    return this.values(request);
  }

  update(update: RewardUpdate): UpdateResult {
    checkLearningUpdate(update);
    const before = this.valueFor(update);
    this.model.update(update);
    this.#counters.learned(update.stateKey, update.reward);
    this.learned();
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
  protected learned(): void {}

  /** Checks a choose request; returns the Ψ scale 1 − 0.5·d. */
  protected checkChoose(request: ChooseRequest): number {
    return checkLearningChoose(request);
  }

  protected decided(stateKey: string): void {
    this.#counters.decided(stateKey);
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
