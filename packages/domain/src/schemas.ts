import { z } from "zod";
import { areDisjoint, hasDistinctProviderIds } from "./distinct-ids.js";
import { predicateRefinement } from "./predicate-refinement.js";

/**
 * The wire vocabulary. Field names are snake_case, as in the Python engine and
 * aurora-router, so the same JSON crosses every boundary unchanged.
 */

/**
 * Upper bounds of the wire's numbers: far beyond any real job, and low enough that what the
 * learning policies compute from them stays finite. Without them one request with `gpu_hours`
 * 1e308 made price × gpu_hours infinite, and the contextual policies' models turned to NaN for
 * good (every later estimate NaN).
 */
export const MAX_GPU_HOURS = 1e9;
export const MAX_PRICE_USD_PER_HOUR = 1e6;
export const MAX_LATENCY_MS = 1e9;
export const MAX_COST_USD = 1e15;
/** Most candidates one request may name. */
export const MAX_PROVIDERS_PER_REQUEST = 10_000;
/** Largest reward magnitude a policy learns: the default reward of an outcome within the bounds above is under 1.01e15. */
export const MAX_REWARD_MAGNITUDE = 1e16;

const finiteNonNegative = (what: string, max: number) =>
  z
    .number({ error: `must be a finite number ≥ 0 (${what})` })
    .finite()
    .min(0, { error: `must be ≥ 0 (${what})` })
    .max(max, { error: `must be at most ${max.toLocaleString("en-US")} (${what})` });

const gpuHours = (what: string) =>
  z
    .number({ error: `must be a finite number > 0 (${what})` })
    .finite()
    .positive({ error: `must be > 0 (${what})` })
    .max(MAX_GPU_HOURS, { error: `must be at most ${MAX_GPU_HOURS.toLocaleString("en-US")} (${what})` });

/** A provider or decision id. Any printable text works, `__proto__` included. */
export const idSchema = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(200, { error: "must be at most 200 characters" });

const keyPart = (what: string) =>
  z
    .string({ error: `must be a string (${what})` })
    .min(1, { error: `must not be empty (${what})` })
    .max(100, { error: `must be at most 100 characters (${what})` })
    .refine((s) => !s.includes(":"), { error: `must not contain ':' (it separates the parts of a state key)` });

export const contextSchema = z.object({
  workload_type: keyPart("e.g. llm_inference"),
  gpu_type: keyPart("e.g. a100"),
  region: keyPart("e.g. us-west"),
  gpu_hours: gpuHours("hours of GPU time the job needs").default(1),
});
export type Context = z.output<typeof contextSchema>;
export type ContextInput = z.input<typeof contextSchema>;

export const providerSchema = z.object({
  provider_id: idSchema,
  price_usd_per_hour: finiteNonNegative("USD per GPU hour", MAX_PRICE_USD_PER_HOUR),
  latency_ms: finiteNonNegative("advertised latency in milliseconds", MAX_LATENCY_MS),
  reputation: z
    .number({ error: "must be a number from 0 to 100" })
    .min(0, { error: "must be from 0 to 100" })
    .max(100, { error: "must be from 0 to 100" }),
  /** GPU hours the provider can take now; absent or null means unlimited. */
  capacity_available: z
    .number({ error: "must be a finite number ≥ 0 (GPU hours available)" })
    .finite()
    .min(0, { error: "must be ≥ 0 (GPU hours available)" })
    .nullish(),
  gpu_types: z.array(z.string({ error: "must be a string" })).default([]),
  regions: z.array(z.string({ error: "must be a string" })).default([]),
});
export type Provider = z.output<typeof providerSchema>;
export type ProviderInput = z.input<typeof providerSchema>;

/** A non-empty candidate list whose ids are distinct. */
export const providersSchema = z
  .array(providerSchema, { error: "must be an array of providers" })
  .min(1, { error: "must list at least one provider" })
  .max(MAX_PROVIDERS_PER_REQUEST, { error: `must list at most ${MAX_PROVIDERS_PER_REQUEST.toLocaleString("en-US")} providers` })
  .check(
    predicateRefinement<Provider[]>(hasDistinctProviderIds, (providers, ctx) => {
      const seen = new Set<string>();
      for (let i = 0; i < providers.length; i++) {
        const id = (providers[i] as Provider).provider_id;
        if (seen.has(id)) {
          ctx.addIssue({
            code: "custom",
            path: [i, "provider_id"],
            message: `duplicate provider_id "${id}": each candidate must appear once`,
          });
        }
        seen.add(id);
      }
    }),
  );

/** The constraint names, in the order the schema lists them. */
const CONSTRAINT_NAMES = "max_price, max_latency_ms, min_reputation, region, gpu_type, gpu_hours, max_cost_usd, allow, deny";

/**
 * A request's constraints. Unlike the wire's other objects, an unknown key is refused: a misspelt
 * constraint (`max_prize`) would otherwise be dropped, and the decision made without that limit.
 */
export const constraintsSchema = z
  .strictObject(
    {
      max_price: finiteNonNegative("USD per GPU hour", MAX_PRICE_USD_PER_HOUR).optional(),
      max_latency_ms: finiteNonNegative("milliseconds", MAX_LATENCY_MS).optional(),
      min_reputation: z
        .number({ error: "must be a number from 0 to 100" })
        .min(0, { error: "must be from 0 to 100" })
        .max(100, { error: "must be from 0 to 100" })
        .optional(),
      region: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }).optional(),
      gpu_type: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }).optional(),
      /** Capacity the job needs, in GPU hours; compared with `capacity_available`. */
      gpu_hours: gpuHours("GPU hours of capacity the job needs").optional(),
      /** Most the whole job may cost: price_usd_per_hour × context.gpu_hours. */
      max_cost_usd: finiteNonNegative("USD for the whole job", MAX_COST_USD).optional(),
      /** Only these providers may be chosen, in every mode. */
      allow: z.array(idSchema).optional(),
      /** These providers are never chosen, in every mode. */
      deny: z.array(idSchema).optional(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown constraint${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}: use ${CONSTRAINT_NAMES}`
          : undefined,
    },
  )
  .check(
    predicateRefinement<{ allow?: string[] | undefined; deny?: string[] | undefined }>(
      (c) => areDisjoint(c.allow, c.deny),
      (c, ctx) => {
        const allowed = new Set(c.allow);
        c.deny?.forEach((id, i) => {
          if (allowed.has(id)) {
            ctx.addIssue({
              code: "custom",
              path: ["deny", i],
              message: `provider "${id}" is in both allow and deny: remove it from one of them`,
            });
          }
        });
      },
    ),
  );
export type Constraints = z.output<typeof constraintsSchema>;
export type ConstraintsInput = z.input<typeof constraintsSchema>;

const unit = (what: string) =>
  z
    .number({ error: `must be a number from 0 to 1 (${what})` })
    .min(0, { error: `must be from 0 to 1 (${what})` })
    .max(1, { error: `must be from 0 to 1 (${what})` });

export const psiMetricsSchema = z.object({
  density: unit("Ψ density"),
  coherence: unit("Ψ coherence").optional(),
  entropy: unit("Ψ entropy").optional(),
});
export type PsiMetrics = z.output<typeof psiMetricsSchema>;

/** Most providers an outcome may name as failed before it: the chosen one and 100 alternatives, less the one the job ended on. */
const MAX_FAILED_BEFORE = 100;

const failedBeforeSchema = z
  .array(idSchema, { error: "must be an array of provider ids" })
  .max(MAX_FAILED_BEFORE, { error: `must list at most ${MAX_FAILED_BEFORE} providers` })
  .check(
    predicateRefinement<string[]>(
      (ids) => new Set(ids).size === ids.length,
      (ids, ctx) => {
        const seen = new Set<string>();
        ids.forEach((id, i) => {
          if (seen.has(id)) {
            ctx.addIssue({ code: "custom", path: [i], message: `duplicate provider "${id}": name each failed provider once` });
          }
          seen.add(id);
        });
      },
    ),
  );

export const outcomeSchema = z.object({
  decision_id: idSchema,
  success: z.boolean({ error: "must be true or false" }),
  actual_cost_usd: finiteNonNegative("USD the job actually cost", MAX_COST_USD),
  actual_latency_ms: finiteNonNegative("milliseconds actually observed", MAX_LATENCY_MS),
  actual_reputation: z
    .number({ error: "must be a number from 0 to 100" })
    .min(0, { error: "must be from 0 to 100" })
    .max(100, { error: "must be from 0 to 100" })
    .optional(),
  error_reason: z.string({ error: "must be a string" }).max(2000, { error: "must be at most 2,000 characters" }).optional(),
  /** The provider the router actually used, when it fell back to an alternative. */
  provider_id: idSchema.optional(),
  /**
   * The providers the router tried first and that failed, in the order tried (failover through
   * the chosen provider and `metadata.alternatives`): each is learned as a failed job.
   */
  failed_before: failedBeforeSchema.optional(),
});
export type Outcome = z.output<typeof outcomeSchema>;
export type OutcomeInput = z.input<typeof outcomeSchema>;

export const decideRequestSchema = z.object({
  context: contextSchema,
  providers: providersSchema,
  constraints: constraintsSchema.optional(),
  psi_metrics: psiMetricsSchema.optional(),
  /** Return every candidate with its estimate and why it was or was not chosen. */
  explain: z.boolean({ error: "must be true or false" }).optional(),
});
export type DecideRequest = z.output<typeof decideRequestSchema>;
export type DecideRequestInput = z.input<typeof decideRequestSchema>;
