import type { Context, Provider } from "@aurora/domain";
import type { SparseVector } from "./sparse-vector.js";

/** 32-bit FNV-1a of a string (its UTF-16 code units), continuing from `seed`. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Mixes two hashes and a tag into one (murmur3's finaliser on a combination). */
function combine(a: number, b: number, tag: number): number {
  let h = (Math.imul(a ^ (tag * 0x9e3779b1), 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The hash of a region's family: the region without a trailing "-<digits>" part
 * ("ap-south-3" → "ap-south"), so that regions named alike share what is learned; a region
 * without such a suffix is its own family.
 */
export function regionFamilyHash(region: string): number {
  let end = region.length;
  while (end > 0 && region.charCodeAt(end - 1) >= 48 && region.charCodeAt(end - 1) <= 57) end--;
  const hasSuffix = end < region.length && end > 1 && region.charCodeAt(end - 1) === 45;
  const stop = hasSuffix ? end - 1 : region.length;
  let hash = 0x811c9dc5;
  for (let i = 0; i < stop; i++) {
    hash ^= region.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Tags that keep the feature groups apart in the hash. */
const Tag = {
  Provider: 1,
  ProviderRegion: 2,
  ProviderFamily: 3,
  ProviderGpu: 4,
  ProviderWorkload: 5,
  Family: 6,
  Gpu: 7,
  Workload: 8,
  SuccessProvider: 9,
  SuccessProviderCost: 10,
} as const;

/** Indices below this are the dense shared features; hashed ones land above them. */
export const DENSE_FEATURES = 4;
const BIAS = 0;
const REPUTATION = 1;
const LATENCY = 2;
const COST = 3;

/**
 * Features for the function-approximation policy, hashed (the "hashing trick", Weinberger et
 * al. 2009) into a fixed table of 2^bits weights, so memory does not grow with the number of
 * states, providers or regions. Failure features: bias, reputation, and the provider alone
 * and crossed with region, region family, GPU type and workload type, plus region family,
 * GPU type and workload type alone. Success features: bias, advertised latency and job cost,
 * the provider, and provider × job cost. No allocation per call once a provider's hash is cached.
 */
export class HashedFeatures {
  readonly #mask: number;
  readonly #providerHashes = new Map<string, number>();
  #region = 0;
  #family = 0;
  #gpu = 0;
  #workload = 0;

  constructor(bits: number) {
    this.#mask = (1 << bits) - 1;
  }

  /** Hashes the job's context once for the candidates that follow. */
  setContext(context: Context): void {
    this.#region = fnv1a(context.region);
    this.#family = regionFamilyHash(context.region);
    this.#gpu = fnv1a(context.gpu_type);
    this.#workload = fnv1a(context.workload_type);
  }

  failure(provider: Provider, out: SparseVector): void {
    const p = this.#provider(provider.provider_id);
    out.clear();
    out.push(BIAS, 1);
    out.push(REPUTATION, (provider.reputation - 80) / 20);
    out.push(this.#slot(combine(p, 0, Tag.Provider)), 1);
    out.push(this.#slot(combine(p, this.#region, Tag.ProviderRegion)), 1);
    out.push(this.#slot(combine(p, this.#family, Tag.ProviderFamily)), 1);
    out.push(this.#slot(combine(p, this.#gpu, Tag.ProviderGpu)), 1);
    out.push(this.#slot(combine(p, this.#workload, Tag.ProviderWorkload)), 1);
    out.push(this.#slot(combine(this.#family, 0, Tag.Family)), 1);
    out.push(this.#slot(combine(this.#gpu, 0, Tag.Gpu)), 1);
    out.push(this.#slot(combine(this.#workload, 0, Tag.Workload)), 1);
  }

  success(provider: Provider, cost: number, out: SparseVector): void {
    const p = this.#provider(provider.provider_id);
    const scaledCost = cost / 10;
    out.clear();
    out.push(BIAS, 1);
    out.push(LATENCY, provider.latency_ms / 1000);
    out.push(COST, scaledCost);
    out.push(this.#slot(combine(p, 0, Tag.SuccessProvider)), 1);
    out.push(this.#slot(combine(p, 0, Tag.SuccessProviderCost)), scaledCost);
  }

  #slot(hash: number): number {
    // Never a dense index: hashed features share the rest of the table.
    return DENSE_FEATURES + ((hash & this.#mask) % (this.#mask + 1 - DENSE_FEATURES));
  }

  #provider(providerId: string): number {
    let hash = this.#providerHashes.get(providerId);
    if (hash === undefined) {
      hash = fnv1a(providerId);
      this.#providerHashes.set(providerId, hash);
    }
    return hash;
  }
}
