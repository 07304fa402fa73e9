import { dirname, resolve } from "node:path";
import { MAX_REWARD_MAGNITUDE } from "@aurora/domain";
import { type RoutingEngineOptions, rewardWeightsSchema } from "@aurora/engine";
import { isSystemSchemaName } from "@aurora/store-postgres";
import { z } from "zod";
import type { ConfigProblem } from "./config-error.js";
import { ConfigError } from "./config-error.js";
import { policyProblems } from "./policy-config-error.js";
import { guardrailVariable, jsonObject, policyVariable } from "./policy-variables.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The sidecar's settings, read from the environment by {@link parseConfig}. */
export interface SidecarConfig {
  port: number;
  host: string;
  logLevel: LogLevel;
  psiFieldUrl: string | undefined;
  /** Most one Ψ-Field request may take, in ms; undefined keeps the client's default (250). */
  psiTimeoutMs: number | undefined;
  /** How long a Ψ reading is served from cache, in ms; undefined keeps the client's default (5,000). */
  psiTtlMs: number | undefined;
  /** Absolute path of the JSON model; undefined keeps the model in memory only. */
  modelPath: string | undefined;
  /** PostgreSQL URL: when set, the model lives in that database and replicas on it learn as one (MODEL_PATH is then refused). */
  databaseUrl: string | undefined;
  /** PostgreSQL schema for Aurora's tables (AURORA_DATABASE_SCHEMA, default "aurora"): one per fleet of replicas that learn together. */
  databaseSchema: string | undefined;
  /** How long PostgreSQL keeps a finished decision's events, in ms (AURORA_EVENT_RETENTION_DAYS); undefined: the store's default (7 days). */
  eventRetentionMs: number | undefined;
  strictAudit: boolean;
  autoSave: boolean;
  saveEvery: number;
  /** Absolute path of the JSONL decision log for `aurora-ope` (engine `decisionLogPath`, AURORA_DECISION_LOG); undefined: none. */
  decisionLogPath: string | undefined;
  /** Bytes of journal before a background snapshot (engine `minCompactBytes`); undefined: the engine's default. */
  minCompactBytes: number | undefined;
  /** How much audit trail the file store keeps (engine `auditRetention`); undefined: all of it. */
  auditRetention: { maxBytes?: number; maxAgeMs?: number } | undefined;
  /** How long PostgreSQL keeps audit records, in ms (AURORA_AUDIT_MAX_AGE_DAYS with DATABASE_URL); undefined: all. */
  databaseAuditRetentionMs: number | undefined;
  /** When set, every route but /healthz and /readyz needs `Authorization: Bearer <token>`. */
  apiToken: string | undefined;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  rewardWaitMs: number | undefined;
  defaultReward: number | undefined;
  /** The reward formula's weights (engine `rewardWeights`, AURORA_REWARD_WEIGHTS); undefined: the seed's. */
  rewardWeights: RoutingEngineOptions["rewardWeights"];
  alternatives: number | undefined;
  /** Decisions GET /decisions/:id can explain (the engine's maxDecisionRecords). */
  decisionRecords: number | undefined;
  seed: number | undefined;
  /** The learning policy as a registry config, e.g. `{ "kind": "q-learning", "epsilon": 0.2 }`; the engine checks the rest. */
  policy: PolicyConfigJson | undefined;
  /** The engine's `guardrail` option from AURORA_GUARDRAIL (e.g. `{ baseline: { kind: "rule" } }`); undefined: unguarded. */
  guardrail: GuardrailSettingsJson | undefined;
  /** Most a graceful shutdown may take before the process saves synchronously and exits 1, in ms. */
  shutdownTimeoutMs: number;
}

/** A policy registry config as JSON: an object naming its `kind`. */
export type PolicyConfigJson = { kind: string } & Record<string, unknown>;

/** The engine's guardrail settings as JSON (`baseline`, `minSamples`, `z`…); the engine checks them. */
export type GuardrailSettingsJson = Record<string, unknown>;

const DEFAULT_BODY_LIMIT = 1024 * 1024;
/**
 * The largest BODY_LIMIT, in bytes. Fastify reads a JSON body into one string, and a body past
 * V8's longest string (2^29 − 24 UTF-16 units, ~512 MiB) throws out of its stream handler and
 * kills the process; 256 MiB stays clear of it with room to spare for JSON.parse.
 */
const MAX_BODY_LIMIT = 256 * 1024 * 1024;
const MAX_TIMER_MS = 2_147_483_647;

const got = (text: string) => `got "${text.length > 80 ? `${text.slice(0, 80)}…` : text}"`;

function wholeNumber(min: number, max: number, what: string) {
  return z.string().transform((text, ctx) => {
    const n = /^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max} (${what}); ${got(text)}` });
      return z.NEVER;
    }
    return n;
  });
}

/**
 * `AURORA_REWARD_WEIGHTS`: a JSON object of the reward formula's weights, checked by the engine's
 * own schema, unknown keys refused (`{"failure_reward":-5,"cost":2}`).
 */
const rewardWeightsVariable = z
  .string()
  .transform((text, ctx) => {
    const value = jsonObject(text);
    if (value !== undefined) return value;
    ctx.addIssue({
      code: "custom",
      message: `must be a JSON object of reward weights, e.g. {"failure_reward":-5,"cost":2} (keys success_bonus, failure_reward, cost, latency_divisor, reputation_divisor); ${got(text)}`,
    });
    return z.NEVER;
  })
  .pipe(rewardWeightsSchema.strict());

/** A number written in decimal (`-20`, `0.5`, `1e3`): not `0x10`, `Infinity` or `1_000`, which `Number` also reads. */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

const decimalNumber = (max: number, what: string) =>
  z.string().transform((text, ctx) => {
    const n = DECIMAL.test(text) ? Number(text) : Number.NaN;
    if (!(Math.abs(n) <= max)) {
      const bound = max.toExponential().replace("e+", "e");
      ctx.addIssue({ code: "custom", message: `must be a decimal number within ±${bound} (${what}); ${got(text)}` });
      return z.NEVER;
    }
    return n;
  });

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);
const boolean = z.string().transform((text, ctx) => {
  const word = text.trim().toLowerCase();
  if (TRUE.has(word)) return true;
  if (FALSE.has(word)) return false;
  ctx.addIssue({ code: "custom", message: `must be true or false (also accepted: 1/0, yes/no, on/off); ${got(text)}` });
  return z.NEVER;
});

const UNIT_BYTES: Record<string, number> = { "": 1, b: 1, kb: 1024, mb: 1024 * 1024 };
const byteSize = z.string().transform((text, ctx) => {
  const match = /^\s*(\d+)\s*(b|kb|mb)?\s*$/i.exec(text);
  const bytes = match ? Number(match[1]) * (UNIT_BYTES[(match[2] ?? "").toLowerCase()] ?? Number.NaN) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1024 || bytes > MAX_BODY_LIMIT) {
    ctx.addIssue({
      code: "custom",
      message: `must be a size from 1024 bytes to ${MAX_BODY_LIMIT / 1024 ** 2}mb, in bytes or with a kb/mb suffix, e.g. 1048576 or 1mb; ${got(text)}`,
    });
    return z.NEVER;
  }
  return bytes;
});

const httpUrl = z.string().transform((text, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(text.trim());
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    ctx.addIssue({ code: "custom", message: `must be an absolute http(s) URL such as http://psi-field:9091; ${got(text)}` });
    return z.NEVER;
  }
  return text.trim();
});

const logLevel = z.string().transform((text, ctx) => {
  const level = text.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  ctx.addIssue({ code: "custom", message: `must be one of ${LOG_LEVELS.join(", ")}; ${got(text)}` });
  return z.NEVER;
});

const nonEmpty = (hint: string) => z.string().trim().min(1, { error: hint });

/** Characters no HTTP client can send in a header value as they are: controls (but tab) and code points past U+00FF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches.
const UNSENDABLE_IN_HEADER = /[\u0000-\u0008\u000a-\u001f\u007f\u0100-\u{10ffff}]/u;

/**
 * AURORA_API_TOKEN: set but blank is refused (it must not turn authentication off), and so is a
 * token no client could send: HTTP trims whitespace around a header value, so a token with
 * whitespace at either end would answer every request 401.
 */
const apiToken = z.string().superRefine((token, ctx) => {
  if (token.trim() === "") {
    ctx.addIssue({ code: "custom", message: "is set but empty: unset it to turn authentication off, or give it a secret" });
  } else if (token.trim() !== token) {
    ctx.addIssue({
      code: "custom",
      message:
        "has whitespace at its start or end, which no client can send (HTTP trims it from the Authorization header, so every request would be refused): remove it",
    });
  } else if (UNSENDABLE_IN_HEADER.test(token)) {
    ctx.addIssue({
      code: "custom",
      message:
        "holds a control character or a character past U+00FF, which an Authorization header cannot carry (every request would be refused): use printable ASCII, e.g. the output of openssl rand -hex 32",
    });
  }
});

/** Unset and empty variables are alike (as docker-compose passes `VAR=`), except the API token. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const envSchema = z.object({
  PORT: optional(wholeNumber(0, 65_535, "TCP port; 0 picks a free one")),
  HOST: optional(nonEmpty("must be a host name or address, e.g. 127.0.0.1 or 0.0.0.0")),
  LOG_LEVEL: optional(logLevel),
  PSI_FIELD_URL: optional(httpUrl),
  PSI_TIMEOUT_MS: optional(wholeNumber(1, 60_000, "milliseconds one Ψ-Field request may take")),
  PSI_TTL_MS: optional(wholeNumber(1, MAX_TIMER_MS, "milliseconds a Ψ reading stays fresh")),
  MODEL_PATH: optional(nonEmpty("must be the path of the model file, e.g. /data/aurora-model.json; got only whitespace")),
  AURORA_DECISION_LOG: optional(
    nonEmpty("must be the path of the decision log, e.g. /data/decisions.jsonl; got only whitespace"),
  ),
  AURORA_DATABASE_SCHEMA: optional(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "must be a lower-case SQL identifier such as aurora (letters, digits, _)" })
      .refine((schema) => !isSystemSchemaName(schema), {
        error: (issue) =>
          `must not be one of PostgreSQL's own schemas (information_schema, or a name starting with pg_, which PostgreSQL reserves); ${got(String(issue.input))}: pick another, such as aurora`,
      }),
  ),
  DATABASE_URL: optional(
    z
      .string()
      .trim()
      .regex(/^postgres(ql)?:\/\//, { error: "must be a PostgreSQL URL such as postgres://user@host:5432/aurora" }),
  ),
  STRICT_AUDIT: optional(boolean),
  AUTO_SAVE: optional(boolean),
  SAVE_EVERY: optional(wholeNumber(1, 1_000_000_000, "decisions between model snapshots")),
  AURORA_MIN_COMPACT_BYTES: optional(wholeNumber(0, 2 ** 40, "bytes of journal before a background snapshot compacts it")),
  AURORA_EVENT_RETENTION_DAYS: optional(wholeNumber(1, 36_500, "days PostgreSQL keeps a finished decision's events")),
  AURORA_AUDIT_MAX_BYTES: optional(wholeNumber(1, 2 ** 50, "bytes of audit trail the file store keeps")),
  AURORA_AUDIT_MAX_AGE_DAYS: optional(wholeNumber(1, 36_500, "days an audit segment is kept after its last write")),
  AURORA_API_TOKEN: apiToken.optional(),
  BODY_LIMIT: optional(byteSize),
  AURORA_REWARD_WAIT_MS: optional(wholeNumber(1, MAX_TIMER_MS, "milliseconds a decision waits for its feedback")),
  AURORA_DEFAULT_REWARD: optional(decimalNumber(MAX_REWARD_MAGNITUDE, "reward learned when no feedback arrives in time")),
  AURORA_REWARD_WEIGHTS: optional(rewardWeightsVariable),
  AURORA_ALTERNATIVES: optional(wholeNumber(0, 100, "ranked fallbacks returned per decision")),
  AURORA_DECISION_RECORDS: optional(wholeNumber(0, 1_000_000, "recent decisions GET /decisions/:id can explain")),
  AURORA_POLICY: optional(policyVariable),
  AURORA_GUARDRAIL: optional(guardrailVariable),
  AURORA_SEED: optional(wholeNumber(-(2 ** 31), 2 ** 31 - 1, "seed for exploration")),
  SHUTDOWN_TIMEOUT_MS: optional(wholeNumber(1, MAX_TIMER_MS, "milliseconds a graceful shutdown may take")),
});

/** AURORA_POLICY and AURORA_GUARDRAIL alone, to check them together while other variables are bad. */
const policySchema = envSchema.pick({ AURORA_POLICY: true, AURORA_GUARDRAIL: true });

/**
 * Reads the sidecar's configuration from environment variables. Throws a `ConfigError`
 * naming each bad variable; nothing is started before the whole environment is valid.
 *
 * Every variable is checked on its own first, AURORA_POLICY and AURORA_GUARDRAIL by the policy
 * registry too, and every problem found is reported at once; the checks between variables
 * (MODEL_PATH with DATABASE_URL, a setting of one store without it, …) follow once each
 * variable is valid, again all at once.
 */
export function parseConfig(env: Record<string, string | undefined> = process.env): SidecarConfig {
  const result = envSchema.safeParse(env);
  const problems: ConfigProblem[] = result.success
    ? []
    : result.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "(environment)"),
        // A field inside a variable's JSON (AURORA_REWARD_WEIGHTS' `cost`) is named before the message.
        message: issue.path.length > 1 ? `${issue.path.slice(1).join(".")}: ${issue.message}` : issue.message,
      }));
  const policies = result.success ? result : policySchema.safeParse(env);
  if (policies.success) {
    problems.push(
      ...policyProblems({
        policy: policies.data.AURORA_POLICY,
        guardrail: policies.data.AURORA_GUARDRAIL,
        // The SPEC's weights when it is unset; when it is itself refused, the weights go unchecked.
        rewardWeights: result.success ? (result.data.AURORA_REWARD_WEIGHTS ?? {}) : undefined,
      }),
    );
  }
  if (!result.success) throw new ConfigError(problems, { cause: result.error });
  const e = result.data;
  // The model would be PostgreSQL's, and the file never read or written (yet probed by /readyz).
  if (e.MODEL_PATH !== undefined && e.DATABASE_URL !== undefined) {
    problems.push({
      variable: "MODEL_PATH",
      message:
        "is set along with DATABASE_URL, which keeps the model in PostgreSQL instead (the file would never be read or written): unset one of them",
    });
  }
  if (e.AURORA_EVENT_RETENTION_DAYS !== undefined && e.DATABASE_URL === undefined) {
    problems.push({
      variable: "AURORA_EVENT_RETENTION_DAYS",
      message:
        "applies to PostgreSQL (DATABASE_URL), which is not set: the model file's journal keeps only what its snapshots need",
    });
  }
  // The model file's own settings mean nothing to PostgreSQL, nor in memory.
  const fileStoreOnly = (variable: string, what: string, withPostgres: string): ConfigProblem => ({
    variable,
    message:
      e.DATABASE_URL === undefined
        ? `applies to ${what} (MODEL_PATH), which is not set (nothing is written)`
        : `applies to ${what} (MODEL_PATH), not to PostgreSQL (DATABASE_URL)${withPostgres}`,
  });
  if (e.MODEL_PATH === undefined) {
    if (e.AURORA_MIN_COMPACT_BYTES !== undefined) {
      problems.push(
        fileStoreOnly("AURORA_MIN_COMPACT_BYTES", "the model file's journal", ", which has no journal to compact: unset it"),
      );
    }
    if (e.AURORA_AUDIT_MAX_BYTES !== undefined) {
      problems.push(
        fileStoreOnly("AURORA_AUDIT_MAX_BYTES", "the model file's audit trail", ": use AURORA_AUDIT_MAX_AGE_DAYS there"),
      );
    }
    // The age applies to either store's audit trail.
    if (e.AURORA_AUDIT_MAX_AGE_DAYS !== undefined && e.DATABASE_URL === undefined) {
      problems.push({
        variable: "AURORA_AUDIT_MAX_AGE_DAYS",
        message: "applies to the audit trail on disk (MODEL_PATH or DATABASE_URL), and neither is set (nothing is written)",
      });
    }
  }
  const modelPath = e.MODEL_PATH === undefined ? undefined : resolve(e.MODEL_PATH);
  const decisionLogPath = e.AURORA_DECISION_LOG === undefined ? undefined : resolve(e.AURORA_DECISION_LOG);
  if (decisionLogPath !== undefined && decisionLogPath === modelPath) {
    problems.push({
      variable: "AURORA_DECISION_LOG",
      message: `is MODEL_PATH's file (${modelPath}): the decision log is a JSONL file of its own, e.g. ${resolve(dirname(decisionLogPath), "decisions.jsonl")}`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: e.PORT ?? 8000,
    host: e.HOST ?? "127.0.0.1",
    logLevel: e.LOG_LEVEL ?? "info",
    psiFieldUrl: e.PSI_FIELD_URL,
    psiTimeoutMs: e.PSI_TIMEOUT_MS,
    psiTtlMs: e.PSI_TTL_MS,
    modelPath,
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.AURORA_DATABASE_SCHEMA,
    eventRetentionMs: e.AURORA_EVENT_RETENTION_DAYS === undefined ? undefined : e.AURORA_EVENT_RETENTION_DAYS * 86_400_000,
    strictAudit: e.STRICT_AUDIT ?? false,
    autoSave: e.AUTO_SAVE ?? true,
    saveEvery: e.SAVE_EVERY ?? 10,
    decisionLogPath,
    minCompactBytes: e.AURORA_MIN_COMPACT_BYTES,
    databaseAuditRetentionMs:
      e.DATABASE_URL === undefined || e.AURORA_AUDIT_MAX_AGE_DAYS === undefined
        ? undefined
        : e.AURORA_AUDIT_MAX_AGE_DAYS * 86_400_000,
    auditRetention:
      e.DATABASE_URL !== undefined || (e.AURORA_AUDIT_MAX_BYTES === undefined && e.AURORA_AUDIT_MAX_AGE_DAYS === undefined)
        ? undefined
        : {
            ...(e.AURORA_AUDIT_MAX_BYTES !== undefined ? { maxBytes: e.AURORA_AUDIT_MAX_BYTES } : {}),
            ...(e.AURORA_AUDIT_MAX_AGE_DAYS !== undefined ? { maxAgeMs: e.AURORA_AUDIT_MAX_AGE_DAYS * 86_400_000 } : {}),
          },
    apiToken: e.AURORA_API_TOKEN,
    bodyLimit: e.BODY_LIMIT ?? DEFAULT_BODY_LIMIT,
    rewardWaitMs: e.AURORA_REWARD_WAIT_MS,
    defaultReward: e.AURORA_DEFAULT_REWARD,
    rewardWeights: e.AURORA_REWARD_WEIGHTS,
    alternatives: e.AURORA_ALTERNATIVES,
    decisionRecords: e.AURORA_DECISION_RECORDS,
    seed: e.AURORA_SEED,
    policy: e.AURORA_POLICY,
    guardrail: e.AURORA_GUARDRAIL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS ?? 10_000,
  };
}
