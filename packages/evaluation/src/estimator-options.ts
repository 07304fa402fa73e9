import { ValidationError } from "@aurora/domain";

export type IntervalMethod = "normal" | "bootstrap";

/** Options every estimator takes. */
export interface EstimatorOptions {
  /** Largest importance weight π/μ kept; larger ones are cut to it. Default: no clipping. */
  clip?: number;
  /** How `ci95` is computed: `"normal"` (estimate ± 1.96·stderr, the default) or `"bootstrap"` (percentile). */
  ci?: IntervalMethod;
  /** Bootstrap resamples. Default 2000. */
  bootstrapSamples?: number;
  /** Seed of the bootstrap's resampling (mulberry32). Default 1. */
  seed?: number;
  /** The target policy's name, for error messages. */
  targetName?: string;
}

export interface ResolvedEstimatorOptions {
  clip: number;
  ci: IntervalMethod;
  bootstrapSamples: number;
  seed: number;
}

export const ESTIMATOR_DEFAULTS: Readonly<ResolvedEstimatorOptions> = Object.freeze({
  clip: Number.POSITIVE_INFINITY,
  ci: "normal",
  bootstrapSamples: 2000,
  seed: 1,
});

/** Fills in defaults; a bad option throws a `ValidationError` naming it. */
export function resolveEstimatorOptions(options: EstimatorOptions | undefined): ResolvedEstimatorOptions {
  const { clip, ci, bootstrapSamples, seed } = {
    ...ESTIMATOR_DEFAULTS,
    ...stripUndefined(options ?? {}),
  } as ResolvedEstimatorOptions;
  if (typeof clip !== "number" || !(clip > 0)) {
    throw ValidationError.forField("clip", `must be a number > 0 (the largest importance weight kept), got ${String(clip)}`);
  }
  if (ci !== "normal" && ci !== "bootstrap") {
    throw ValidationError.forField("ci", `must be "normal" or "bootstrap", got ${JSON.stringify(ci)}`);
  }
  if (!Number.isInteger(bootstrapSamples) || bootstrapSamples < 1 || bootstrapSamples > 1_000_000) {
    throw ValidationError.forField(
      "bootstrapSamples",
      `must be a whole number from 1 to 1,000,000, got ${String(bootstrapSamples)}`,
    );
  }
  if (!Number.isSafeInteger(seed)) {
    throw ValidationError.forField("seed", `must be a whole number, got ${String(seed)}`);
  }
  return { clip, ci, bootstrapSamples, seed };
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(options) as (keyof T)[]) if (options[key] !== undefined) out[key] = options[key];
  return out;
}
