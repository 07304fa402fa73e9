import type { Context, Provider } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import type { SparseVector } from "./sparse-vector.js";

/** Parts of the context a provider's failure rate may depend on, each crossed with the provider. */
export const FEATURE_CROSSES = ["region", "gpu_type", "workload_type"] as const;
export type FeatureCross = (typeof FEATURE_CROSSES)[number];

/** A feature's name, as kept in snapshots: `["provider", id]` or `["provider×region", id, region]` and so on. */
export type FeatureName = [kind: string, providerId: string, value?: string];

/** Shared features first, at fixed indices. */
const FAILURE_BIAS = 0;
const FAILURE_REPUTATION = 1;
const FAILURE_SHARED = 2;
/** How many shared features lead each model's vector (the rest belong to one provider). */
export const FAILURE_SHARED_FEATURES = FAILURE_SHARED;
const SUCCESS_BIAS = 0;
const SUCCESS_LATENCY = 1;
const SUCCESS_COST = 2;
const SUCCESS_SHARED = 3;
export const SUCCESS_SHARED_FEATURES = SUCCESS_SHARED;

/** The next free index of each model's features, for {@link ContextFeatures.preview}. */
export interface FeatureRoom {
  failure: number;
  success: number;
}

/** Features per provider in the success model: identity and identity × job cost. */
interface ProviderEntry {
  failureIdentity: number;
  successIdentity: number;
  successCost: number;
  crosses: Map<string, number>[];
}

/** The job's advertised cost in tens of USD (price × gpu_hours / 10), a feature scaled near 1. */
function jobCostFeature(context: Context, provider: Provider): number {
  return (provider.price_usd_per_hour * context.gpu_hours) / 10;
}

/**
 * The contextual policies' features of a (job, provider) pair, as two sparse vectors:
 *
 * - failure model: bias, (reputation − 80)/20, the provider's identity, and the provider
 *   crossed with each configured context part (region, GPU type, workload type). The
 *   identity is shared by every state the provider serves, so a provider failing in one
 *   region moves its failure estimate in all of them; the crosses learn what is local.
 * - success model (the residual of a successful job's reward): bias, advertised latency in
 *   seconds, advertised job cost in tens of USD, the provider's identity and identity × job
 *   cost (a provider's hidden fees grow with the job).
 *
 * A provider's features are created (interned to the next index) the first time it is seen,
 * up to `maxFeatures` per model; past that, new crosses and providers go without their own
 * features (they are judged by the shared ones). Maps are `Map`s: any id is ordinary.
 */
export class ContextFeatures {
  readonly #crosses: readonly FeatureCross[];
  readonly #maxFeatures: number;
  readonly #providers = new Map<string, ProviderEntry>();
  readonly #failureNames: FeatureName[] = [
    ["bias", ""],
    ["reputation", ""],
  ];
  readonly #successNames: FeatureName[] = [
    ["bias", ""],
    ["latency", ""],
    ["cost", ""],
  ];

  constructor(crosses: readonly FeatureCross[], maxFeatures: number) {
    this.#crosses = crosses;
    this.#maxFeatures = maxFeatures;
  }

  /** Features in the failure model so far. */
  get failureDimension(): number {
    return this.#failureNames.length;
  }

  get successDimension(): number {
    return this.#successNames.length;
  }

  /** Writes the failure-model features; with `intern`, creates the ones not seen yet (room allowing). */
  failure(context: Context, provider: Provider, out: SparseVector, intern: boolean): void {
    out.clear();
    out.push(FAILURE_BIAS, 1);
    out.push(FAILURE_REPUTATION, (provider.reputation - 80) / 20);
    const entry = this.#entry(provider.provider_id, intern);
    if (entry === undefined) return;
    if (entry.failureIdentity >= 0) out.push(entry.failureIdentity, 1);
    for (let c = 0; c < this.#crosses.length; c++) {
      const cross = this.#crosses[c] as FeatureCross;
      const value = context[cross];
      const map = entry.crosses[c] as Map<string, number>;
      let index = map.get(value);
      if (index === undefined && intern) {
        index = this.#addFailure([`provider×${cross}`, provider.provider_id, value]);
        if (index >= 0) map.set(value, index);
      }
      if (index !== undefined && index >= 0) out.push(index, 1);
    }
  }

  /** Writes the success-model features; with `intern`, creates the provider's if new (room allowing). */
  success(context: Context, provider: Provider, out: SparseVector, intern: boolean): void {
    const cost = jobCostFeature(context, provider);
    out.clear();
    out.push(SUCCESS_BIAS, 1);
    out.push(SUCCESS_LATENCY, provider.latency_ms / 1000);
    out.push(SUCCESS_COST, cost);
    const entry = this.#entry(provider.provider_id, intern);
    if (entry === undefined) return;
    if (entry.successIdentity >= 0) out.push(entry.successIdentity, 1);
    if (entry.successCost >= 0) out.push(entry.successCost, cost);
  }

  /**
   * Writes what `failure` and then `success` with `intern` would write for this candidate,
   * without creating anything: a feature that does not exist yet gets the index it would be
   * created at, taken from `room` (the next free index of each model, advanced as `intern`
   * would advance it, so a request's candidates previewed in order get the indices `choose`
   * would give them, room allowing).
   */
  preview(context: Context, provider: Provider, failureOut: SparseVector, successOut: SparseVector, room: FeatureRoom): void {
    const cost = jobCostFeature(context, provider);
    failureOut.clear();
    failureOut.push(FAILURE_BIAS, 1);
    failureOut.push(FAILURE_REPUTATION, (provider.reputation - 80) / 20);
    successOut.clear();
    successOut.push(SUCCESS_BIAS, 1);
    successOut.push(SUCCESS_LATENCY, provider.latency_ms / 1000);
    successOut.push(SUCCESS_COST, cost);
    const entry = this.#providers.get(provider.provider_id);
    let failureIdentity: number;
    let successIdentity: number;
    let successCost: number;
    if (entry === undefined) {
      failureIdentity = this.#nextFailure(room);
      successIdentity = this.#nextSuccess(room);
      successCost = this.#nextSuccess(room);
    } else {
      ({ failureIdentity, successIdentity, successCost } = entry);
    }
    if (failureIdentity >= 0) failureOut.push(failureIdentity, 1);
    for (let c = 0; c < this.#crosses.length; c++) {
      const index = entry?.crosses[c]?.get(context[this.#crosses[c] as FeatureCross]) ?? this.#nextFailure(room);
      if (index >= 0) failureOut.push(index, 1);
    }
    if (successIdentity >= 0) successOut.push(successIdentity, 1);
    if (successCost >= 0) successOut.push(successCost, cost);
  }

  /** The index `#addFailure` would give next (−1 past `maxFeatures`), taken from `room`. */
  #nextFailure(room: FeatureRoom): number {
    return room.failure < this.#maxFeatures ? room.failure++ : -1;
  }

  #nextSuccess(room: FeatureRoom): number {
    return room.success < this.#maxFeatures ? room.success++ : -1;
  }

  /** The feature names of both models, in index order, for snapshots. */
  toJSON(): { failure: FeatureName[]; success: FeatureName[] } {
    return { failure: this.#failureNames.map((n) => [...n]), success: this.#successNames.map((n) => [...n]) };
  }

  /** Re-creates the features a snapshot names, in its order; `field` names it in errors. */
  restore(snapshot: unknown, field: string): void {
    const s = snapshot as { failure?: unknown; success?: unknown } | null;
    if (typeof s !== "object" || s === null || !Array.isArray(s.failure) || !Array.isArray(s.success)) {
      throw ValidationError.forField(field, "must be an object with failure and success feature lists");
    }
    const failure = s.failure as unknown[];
    const success = s.success as unknown[];
    const check = (list: unknown[], name: string, shared: number) => {
      list.forEach((item, i) => {
        const ok =
          Array.isArray(item) &&
          item.length >= 2 &&
          item.length <= 3 &&
          item.every((part) => typeof part === "string") &&
          (i < shared || (item[1] as string).length > 0);
        if (!ok) throw ValidationError.forField(`${field}.${name}[${i}]`, "must be a feature name [kind, provider id, value?]");
      });
      if (list.length < shared)
        throw ValidationError.forField(`${field}.${name}`, `must list at least the ${shared} shared features`);
    };
    check(failure, "failure", FAILURE_SHARED);
    check(success, "success", SUCCESS_SHARED);
    for (let i = FAILURE_SHARED; i < failure.length; i++) {
      const [kind, providerId, value] = failure[i] as FeatureName;
      const entry = this.#entry(providerId, true, false) as ProviderEntry;
      const index = this.#failureNames.length;
      this.#failureNames.push([kind, providerId, ...(value !== undefined ? [value] : [])] as FeatureName);
      if (kind === "provider") {
        entry.failureIdentity = index;
        continue;
      }
      const c = this.#crosses.indexOf(kind.replace("provider×", "") as FeatureCross);
      // A cross the options no longer use keeps its index (the model's weights line up) but is never read.
      if (c >= 0 && value !== undefined) (entry.crosses[c] as Map<string, number>).set(value, index);
    }
    for (let i = SUCCESS_SHARED; i < success.length; i++) {
      const [kind, providerId] = success[i] as FeatureName;
      const entry = this.#entry(providerId, true, false) as ProviderEntry;
      const index = this.#successNames.length;
      this.#successNames.push([kind, providerId]);
      if (kind === "provider") entry.successIdentity = index;
      else if (kind === "provider×cost") entry.successCost = index;
    }
  }

  #entry(providerId: string, intern: boolean, withFeatures = true): ProviderEntry | undefined {
    let entry = this.#providers.get(providerId);
    if (entry !== undefined || !intern) return entry;
    entry = {
      failureIdentity: -1,
      successIdentity: -1,
      successCost: -1,
      crosses: this.#crosses.map(() => new Map<string, number>()),
    };
    this.#providers.set(providerId, entry);
    if (withFeatures) {
      entry.failureIdentity = this.#addFailure(["provider", providerId]);
      entry.successIdentity = this.#addSuccess(["provider", providerId]);
      entry.successCost = this.#addSuccess(["provider×cost", providerId]);
    }
    return entry;
  }

  #addFailure(name: FeatureName): number {
    if (this.#failureNames.length >= this.#maxFeatures) return -1;
    this.#failureNames.push(name);
    return this.#failureNames.length - 1;
  }

  #addSuccess(name: FeatureName): number {
    if (this.#successNames.length >= this.#maxFeatures) return -1;
    this.#successNames.push(name);
    return this.#successNames.length - 1;
  }
}
