import { VIOLATION_TYPES } from "@aurora/domain";
import { z } from "zod";

/**
 * The sidecar's response bodies, as zod schemas: the single source for the routes' JSON
 * schemas and for /openapi.json. Objects the engine may grow are loose (extra keys allowed).
 */

const violation = z.enum(VIOLATION_TYPES);

export const decisionMetadataSchema = z.looseObject({
  decision_id: z.string(),
  /** `baseline`: a composite policy (A/B split, guardrail) played its rule-based baseline. */
  mode: z.enum(["explore", "exploit", "baseline", "none"]),
  q_value: z.number().nullable(),
  epsilon: z.number(),
  state_key: z.string(),
  validated: z.boolean(),
  violations: z.array(violation),
  psi_adjusted: z.boolean(),
  psi_density: z.number().nullable(),
  psi_source: z.enum(["live", "cache", "stale", "neutral", "request"]).nullable(),
  probability: z.number().nullable(),
  policy: z.string(),
  candidate_count: z.number().int(),
  compliant_count: z.number().int(),
  alternatives: z.array(z.object({ provider_id: z.string(), estimate: z.number() })),
  /** The arm or inner policy that chose, for composite policies (A/B split, shadow, guardrail). */
  arm: z.string().optional(),
  /** Every candidate and why it was or was not chosen; only with `explain: true`. */
  candidates: z
    .array(
      z.object({
        provider_id: z.string(),
        estimate: z.number().nullable(),
        violations: z.array(violation),
        status: z.enum(["chosen", "ranked_lower", "violated_constraint", "excluded"]),
        reason: z.string(),
      }),
    )
    .optional(),
  /** Why no provider was chosen. */
  reason: z.string().optional(),
});

export const decideResponseSchema = z.object({
  provider_id: z.string().nullable(),
  metadata: decisionMetadataSchema,
});

export const feedbackResponseSchema = z.object({
  decision_id: z.string(),
  reward: z.number(),
});

export const statusResponseSchema = z.looseObject({
  strategist: z.looseObject({
    epsilon: z.number(),
    decision_count: z.number(),
    q_states: z.number(),
    avg_reward_100: z.number(),
    total_rewards: z.number(),
  }),
  executor: z.looseObject({
    total_decisions: z.number(),
    total_outcomes: z.number(),
    success_rate: z.number(),
    avg_cost_usd: z.number(),
    avg_latency_ms: z.number(),
    pending_feedback: z.number(),
  }),
  auditor: z.looseObject({
    total_entries: z.number(),
    approval_rate: z.number(),
    rejection_rate: z.number(),
    flagged_rate: z.number(),
    common_violations: z.array(z.object({ type: violation, count: z.number() })),
  }),
  psi_field_connected: z.boolean(),
  model_path: z.string().nullable(),
});

export const auditEntrySchema = z.looseObject({
  timestamp: z.string(),
  decision_id: z.string(),
  state_key: z.string(),
  provider_id: z.string().nullable(),
  status: z.enum(["approved", "flagged", "rejected"]),
  violations: z.array(violation),
  notes: z.array(z.string()),
});

export const auditResponseSchema = z.object({
  entries: z.array(auditEntrySchema),
});

export const healthResponseSchema = z.object({ status: z.literal("ok") });

const check = z.object({ ok: z.boolean(), error: z.string().optional() });

export const readinessResponseSchema = z.object({
  ready: z.boolean(),
  checks: z.object({
    /** The engine is up and its model (loaded from MODEL_PATH or new) answers. */
    model: check,
    /** MODEL_PATH's folder takes a new file now; skipped (ok) without MODEL_PATH. */
    store: check.extend({
      path: z.string().nullable(),
      last_save_error: z.string().optional(),
    }),
  }),
  psi_field_connected: z.boolean(),
});

export const errorResponseSchema = z.object({
  /** Stable, machine-readable: validation_error, unknown_decision, duplicate_feedback, late_feedback, … */
  error: z.string(),
  /** For a person: what went wrong and what to do next. */
  message: z.string(),
  /** The offending field's path, e.g. `providers[2].price_usd_per_hour`, `(body)` for the body as a whole. */
  field: z.string().optional(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  decision_id: z.string().optional(),
  settled_at: z.string().optional(),
});

/** A zod schema as a standalone JSON Schema (draft 2020-12) for a Fastify route. */
export function jsonSchemaOf(schema: z.ZodType, io: "input" | "output" = "output"): Record<string, unknown> {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return json;
}
