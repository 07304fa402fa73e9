import { resolve } from "node:path";
import type { Clock, Rng } from "@aurora/domain";
import { MAX_REWARD_MAGNITUDE, parseWith, ValidationError } from "@aurora/domain";
import type { GuardrailSettings, Policy, PolicyConfig } from "@aurora/strategist";
import { z } from "zod";

const positiveInt = (what: string) =>
  z
    .number({ error: `must be a whole number ≥ 1 (${what})` })
    .int({ error: `must be a whole number (${what})` })
    .min(1, {
      error: `must be ≥ 1 (${what})`,
    });

const finiteWeight = () => z.number({ error: "must be a finite number" }).finite({ error: "must be a finite number" });

/**
 * The weights of the reward formula (`rewardWeights`), each optional (the seed's by default):
 * failure → `failure_reward`; success → `success_bonus` − `cost` × actual_cost_usd −
 * actual_latency_ms / `latency_divisor` + reputation / `reputation_divisor` (the outcome's
 * `actual_reputation`, else the provider's advertised one). Unknown keys are dropped here: the
 * sidecar refuses them (`.strict()`).
 */
export const rewardWeightsSchema = z.object({
  success_bonus: finiteWeight().optional(),
  failure_reward: finiteWeight().optional(),
  cost: finiteWeight().min(0, { error: "must be ≥ 0 (the weight of actual_cost_usd, subtracted)" }).optional(),
  latency_divisor: finiteWeight().positive({ error: "must be > 0 (actual_latency_ms is divided by it)" }).optional(),
  reputation_divisor: finiteWeight().positive({ error: "must be > 0 (the reputation is divided by it)" }).optional(),
});

/** `auditRetention`, for the engine's options and `FileStore`'s alike. */
export const auditRetentionSchema = z.strictObject(
  {
    maxBytes: positiveInt("bytes of audit segments kept").optional(),
    maxAgeMs: positiveInt("milliseconds an audit segment is kept after its last write").optional(),
  },
  { error: "must be { maxBytes?, maxAgeMs? }" },
);

export const engineOptionsSchema = z.object({
  /** Base URL of the Ψ-Field service; without it Ψ metrics come only from decide requests. */
  psiFieldUrl: z.url({ error: "must be an http(s) URL such as http://psi-field:9091" }).optional(),
  // Node's timers hold at most 2³¹ − 1 ms; named here rather than by the Ψ-Field client's own option.
  psiTimeoutMs: positiveInt("milliseconds").max(2_147_483_647, { error: "must be at most 2147483647 milliseconds" }).optional(),
  psiTtlMs: positiveInt("milliseconds").optional(),
  /** Strict: a violating provider is never picked. Default: compliant first, violating only when nothing complies (flagged). */
  strictAudit: z.boolean({ error: "must be true or false" }).default(false),
  /** Save the model every `saveEvery` decisions and on close; needs `modelPath`. */
  autoSave: z.boolean({ error: "must be true or false" }).default(true),
  /** Where the JSON model lives; read at start when it exists. Without it nothing is written. */
  modelPath: z.string({ error: "must be a file path" }).min(1, { error: "must not be empty" }).optional(),
  saveEvery: positiveInt("decisions between snapshots").default(10),
  /** The learning policy: a registry config such as `{ kind: "q-learning", epsilon: 0.2 }`, or a ready instance. */
  policy: z
    .custom<PolicyConfig | Policy>((v) => typeof v === "object" && v !== null, {
      error: 'must be a policy config such as { kind: "q-learning" } or a Policy instance',
    })
    .optional(),
  /**
   * Guard the policy with a baseline (the weighted-score rule router unless `baseline` says
   * otherwise): its pick is played only where the evidence says it beats the baseline's.
   * Evidence settings (`z`, `minSamples`, `explore`, `check`, `evidenceDecay`, `scope`) are
   * validated by the guardrail policy itself.
   */
  guardrail: z
    .custom<GuardrailSettings>((v) => typeof v === "object" && v !== null && !Array.isArray(v), {
      error: 'must be an object such as {} or { baseline: { kind: "rule" } }',
    })
    .optional(),
  rewardWeights: rewardWeightsSchema.optional(),
  /** How long a decision waits for its outcome before it is settled. */
  rewardWaitMs: positiveInt("milliseconds").optional(),
  /** Reward learned for a decision settled without feedback; unset: such decisions are dropped unlearned. */
  defaultReward: z
    .number({ error: "must be a finite number" })
    .finite()
    .min(-MAX_REWARD_MAGNITUDE, { error: "must be within ±1e16 (the largest reward a policy learns)" })
    .max(MAX_REWARD_MAGNITUDE, { error: "must be within ±1e16 (the largest reward a policy learns)" })
    .optional(),
  maxPending: positiveInt("pending decisions").optional(),
  maxAuditEntries: positiveInt("audit entries kept in memory").optional(),
  /** How many ranked fallbacks `decide` returns in `metadata.alternatives`. */
  alternatives: z.number().int().min(0, { error: "must be ≥ 0" }).max(100, { error: "must be ≤ 100" }).default(3),
  /** How many recent decisions `getDecision(id)` can explain (oldest forgotten first); 0 keeps none. */
  maxDecisionRecords: z.number().int().min(0, { error: "must be ≥ 0" }).default(10_000),
  /** Seed for the engine's random choices (exploration); ignored when `rng` is given. */
  seed: z.number({ error: "must be a number" }).int({ error: "must be a whole number" }).optional(),
  rng: z.custom<Rng>((v) => typeof v === "function", { error: "must be a function returning numbers in [0, 1)" }).optional(),
  /**
   * Append every decision, once its outcome or settlement is known, to this JSONL file for
   * off-policy evaluation (`aurora-ope` of @aurora/evaluation); flushed on close.
   */
  decisionLogPath: z.string({ error: "must be a file path" }).min(1, { error: "must not be empty" }).optional(),
  /** Called synchronously with every EngineEvent (decision, outcome, settled), after it is applied. */
  onEvent: z
    .custom<(event: import("./routing-engine.js").EngineEvent) => void>((v) => typeof v === "function", {
      error: "must be a function taking an EngineEvent",
    })
    .optional(),
  /**
   * Where the model, the pending decisions and every event are kept. Default: a `FileStore` at
   * `modelPath` (journal, snapshots, receipts and audit trail beside it), or nothing without one.
   */
  store: z
    .custom<import("./engine-store.js").EngineStore>(
      (v) => typeof v === "object" && v !== null && typeof (v as { append?: unknown }).append === "function",
      { error: "must be an EngineStore such as new FileStore({ path }) or a PostgresStore" },
    )
    .optional(),
  /** When the default file store acknowledges feedback: "always" (default) or { intervalMs } (group commit). */
  fsync: z
    .union([z.literal("always"), z.object({ intervalMs: positiveInt("milliseconds between journal fsyncs") })], {
      error: 'must be "always" or { intervalMs: n }',
    })
    .optional(),
  /**
   * The default file store compacts its journal (a background snapshot) once the journal since the
   * last snapshot is as large as that snapshot and at least this many bytes (default 8 MiB: a crash
   * replays at most that much; a small model is not re-snapshotted every few decisions).
   */
  minCompactBytes: z
    .number({ error: "must be a whole number of bytes ≥ 0" })
    .int({ error: "must be a whole number of bytes" })
    .min(0, { error: "must be ≥ 0 (bytes of journal before a background snapshot)" })
    .optional(),
  /**
   * Below `minCompactBytes`, the default file store still takes a background snapshot (every
   * `saveEvery` decisions) once this many milliseconds have passed since its last one, the journal
   * having outgrown that snapshot (default 1,000): a small model's JSON file follows its learning.
   */
  minSnapshotIntervalMs: z
    .number({ error: "must be a whole number of milliseconds ≥ 0" })
    .int({ error: "must be a whole number of milliseconds" })
    .min(0, { error: "must be ≥ 0 (milliseconds between background snapshots below minCompactBytes)" })
    .optional(),
  /**
   * How much audit trail the default file store keeps: `{ maxBytes?, maxAgeMs? }` (default: all of
   * it). Whole segments go, the oldest first, the first kept anchored for `aurora-verify`.
   */
  auditRetention: auditRetentionSchema.optional(),
  /** Where the store's recovery notes go (a dropped torn journal tail, a refused snapshot); default console.warn. */
  log: z
    .custom<(message: string) => void>((v) => typeof v === "function", { error: "must be a function taking a message" })
    .optional(),
  clock: z
    .custom<Clock>((v) => typeof v === "object" && v !== null && typeof (v as Clock).now === "function", {
      error: "must be an object with a now() method returning milliseconds",
    })
    .optional(),
});

export type RoutingEngineOptions = z.input<typeof engineOptionsSchema>;
export type ResolvedEngineOptions = z.output<typeof engineOptionsSchema>;

const OPTION_NAMES = Object.keys(engineOptionsSchema.shape);

/**
 * Refuses an option the engine does not know, naming it: dropped, a misspelt `strictAudit` or the
 * Python engine's `model_path` left the engine without the setting, deciding as if it were not
 * given. A snake_case or differently cased name gets a hint (`did you mean strictAudit?`).
 */
function refuseUnknownOptions(options: object): void {
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(engineOptionsSchema.shape, key)) continue;
    const camel = key.replace(/_([a-z])/gi, (_, c: string) => c.toUpperCase()).toLowerCase();
    const near = OPTION_NAMES.find((name) => name.toLowerCase() === camel);
    throw ValidationError.forField(
      `options.${key}`,
      `is not a RoutingEngine option: ${near ? `did you mean ${near}? ` : ""}use ${OPTION_NAMES.join(", ")}`,
    );
  }
}

export function resolveEngineOptions(options: RoutingEngineOptions | undefined): ResolvedEngineOptions {
  if (typeof options === "object" && options !== null) refuseUnknownOptions(options);
  const resolved = parseWith(engineOptionsSchema, options ?? {}, "options");
  if (resolved.decisionLogPath !== undefined && resolved.modelPath !== undefined) {
    if (resolve(resolved.decisionLogPath) === resolve(resolved.modelPath)) {
      throw ValidationError.forField("decisionLogPath", "must not be modelPath: the decision log is a JSONL file of its own");
    }
  }
  return resolved;
}
