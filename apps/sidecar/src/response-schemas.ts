import { constraintsSchema, contextSchema, outcomeSchema, VIOLATION_TYPES } from "@aurora/domain";
import type { DecisionModeOrNone } from "@aurora/engine";
import { z } from "zod";

/**
 * The sidecar's response bodies, as zod schemas: the single source for the routes' JSON
 * schemas and for /openapi.json. Objects the engine may grow are loose (extra keys allowed).
 */

const violation = z.enum(VIOLATION_TYPES);

/** One candidate of a decision and why it was or was not chosen (`explain: true`, `GET /decisions/:id`). */
export const candidateExplanationSchema = z.object({
  provider_id: z.string(),
  /** The policy's estimate at decision time; null when it was not asked (excluded, violating). */
  estimate: z.number().nullable(),
  violations: z.array(violation),
  /** `excluded`: left out by `constraints.allow`/`deny`; `violated_constraint`: passed over for its violations (compliant providers existed, or strict mode refused every violating one). */
  status: z.enum(["chosen", "ranked_lower", "violated_constraint", "excluded"]),
  reason: z.string(),
  /** The chance the policy would pick it (0 for those it did not choose among); every candidate's sum to 1. Only in `POST /decide`'s answer to `explain: true`, from a policy that states its odds exactly (not `thompson`, `lin-thompson`, nor a composite over one). */
  probability: z.number().min(0).max(1).optional(),
});

/**
 * Every `metadata.mode` a decision can have, and what it means: keyed by the engine's own type
 * (`DecisionModeOrNone`), so a mode the engine adds does not compile here until it is described.
 * The response schemas and the `mode` label's HELP text of `aurora_decisions_total` list these.
 */
export const DECISION_MODES: Readonly<Record<DecisionModeOrNone, string>> = {
  explore: "the policy chose, exploring",
  exploit: "the policy chose its best estimate",
  baseline: "a guardrail played its baseline's pick",
  none: "no provider was viable",
};

const decisionMode = z.enum(Object.keys(DECISION_MODES) as [DecisionModeOrNone, ...DecisionModeOrNone[]]);

export const decisionMetadataSchema = z.looseObject({
  decision_id: z.string(),
  mode: decisionMode,
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
  /** false when `probability` is only a lower bound (an A/B split or a guardrail with an arm or side that cannot state its probabilities). */
  probability_exact: z.literal(false).optional(),
  /** An estimate of 1/`probability` with that mean, where `probability` is a Monte Carlo estimate (`thompson`, `lin-thompson`). */
  inverse_probability: z.number().optional(),
  /** Every candidate and why it was or was not chosen; only with `explain: true`. */
  candidates: z.array(candidateExplanationSchema).optional(),
  /** Why no provider was chosen. */
  reason: z.string().optional(),
});

export const decideResponseSchema = z.object({
  provider_id: z.string().nullable(),
  metadata: decisionMetadataSchema,
});

/** `GET /decisions/:id`: the engine's record of one recent decision (its `DecisionView`). */
export const decisionViewSchema = z.looseObject({
  decision_id: z.string(),
  /** When it was decided, ISO 8601. */
  timestamp: z.string(),
  state_key: z.string(),
  request: z.object({
    /** Rebuilt from the state key and `gpu_hours`. */
    context: contextSchema,
    constraints: constraintsSchema.nullable(),
  }),
  candidates: z.array(candidateExplanationSchema),
  provider_id: z.string().nullable(),
  /** As `metadata.mode`: explore, exploit, baseline or none (typed as text by the engine, so new modes pass). */
  mode: z.string(),
  probability: z.number().nullable(),
  epsilon: z.number(),
  policy: z.string(),
  /** Snapshots written before the decision: which model made it. */
  model_version: z.number(),
  /** Why no provider was chosen; null when one was. */
  reason: z.string().nullable(),
  /** The feedback learned, once it came; `provider_id` (always set here) is the provider the job ran on, `fallback` true when that was an alternative. */
  outcome: outcomeSchema.extend({ reward: z.number(), fallback: z.boolean() }).nullable(),
  /** Set when the reward wait passed without feedback (`expired`) or the pending log was full (`evicted`); `reward` null: dropped unlearned. */
  settled: z.object({ reason: z.string(), reward: z.number().nullable(), at: z.string() }).nullable(),
});

/** `GET /policies`: the policy kinds AURORA_POLICY accepts and the one in use. */
export const policiesResponseSchema = z.object({
  policies: z.array(
    z.object({
      /** The registry kind: `AURORA_POLICY=<kind>` or `{"kind":"<kind>",…}`. */
      kind: z.string(),
      /** What the policy does and when to pick it; absent for kinds the strategist's catalog does not describe (composites). */
      description: z.string().optional(),
      /** Every option at its default, as `{"kind":"<kind>"}` resolves them. */
      defaults: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  /** The policy the engine runs (`metadata.policy`), e.g. `q-learning` or `guardrail`. */
  active: z.string(),
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
    /** With AURORA_GUARDRAIL: how far the evidence trusts the policy over its baseline. */
    guardrail: z
      .looseObject({
        baseline: z.string(),
        /** Share of decisions made while the evidence trusted the policy in their state, 0–1. */
        trusted_share: z.number(),
        /** Decisions where the picks differed and the baseline's was played (`mode: "baseline"`). */
        baseline_plays: z.number(),
      })
      .optional(),
  }),
  executor: z.looseObject({
    total_decisions: z.number(),
    total_outcomes: z.number(),
    success_rate: z.number(),
    avg_cost_usd: z.number(),
    avg_latency_ms: z.number(),
    pending_feedback: z.number(),
    /** Feedback refused because the decision's reward wait had passed (410). */
    late_feedback: z.number(),
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
  policy: z.string(),
  /** Decisions settled without feedback once their reward wait passed: learned with AURORA_DEFAULT_REWARD, or dropped when it is unset. */
  settlement: z.object({ settled_with_default: z.number(), settled_dropped: z.number() }),
  /** The store's health and counters (MODEL_PATH's file store or DATABASE_URL's PostgreSQL); null with neither. */
  store: z
    .looseObject({
      kind: z.string(),
      /** False while the store cannot write; feedback is then refused (503 store_unavailable). */
      ready: z.boolean(),
      last_error: z.string().nullable(),
      snapshot_version: z.number().nullable(),
      events_since_snapshot: z.number(),
      shared_totals: z.object({ decisions: z.number(), outcomes: z.number() }).nullable(),
    })
    .nullable(),
  /** AURORA_DECISION_LOG's writer: lines written, and lines lost and why; null without one. */
  decision_log: z
    .looseObject({
      path: z.string(),
      written: z.number(),
      /** Decisions waiting for their outcome or settlement. */
      pending: z.number(),
      /** Finished decisions not yet written. */
      queued: z.number(),
      /** Lines lost: the queue was full, or a write failed (see last_error). */
      dropped: z.number(),
      /** Pending decisions forgotten because more were waiting than the pending limit. */
      forgotten: z.number(),
      /** Finished decisions not logged because the store did not confirm how they finished. */
      unconfirmed: z.number(),
      /** Outcomes or settlements for decisions this writer never saw (made before a restart that did not hand them back). */
      unmatched: z.number(),
      /** With DATABASE_URL: decisions left to another replica's log (fed back there, or whose settlement's line it claimed first). */
      elsewhere: z.number(),
      /** With DATABASE_URL: decisions settled here whose line's claim could not be written: in no log. */
      unclaimed: z.number(),
      last_error: z.string().nullable(),
    })
    .nullable(),
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

/**
 * The 401 the auth plugin answers when AURORA_API_TOKEN is set and a request does not carry it
 * as `Authorization: Bearer <token>`: exactly these two fields (its `WWW-Authenticate` header is
 * {@link WWW_AUTHENTICATE}).
 */
export const unauthorizedResponseSchema = z.strictObject({
  error: z.literal("unauthorized"),
  /** Whether the header was missing or carried the wrong token, and what to send. */
  message: z.string(),
});

/** The `WWW-Authenticate` header of every 401. */
export const WWW_AUTHENTICATE = 'Bearer realm="aurora"';

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
