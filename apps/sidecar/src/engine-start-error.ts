import type { RoutingEngineOptions, ValidationError } from "@aurora/engine";
import { DEFAULT_REWARD_WAIT_MS, RoutingEngine } from "@aurora/engine";
import type { SidecarConfig } from "./config.js";
import { ConfigError } from "./config-error.js";
import { reasonOf } from "./error-reason.js";
import type { ModelSource } from "./model-load-error.js";
import { ModelLoadError } from "./model-load-error.js";
import { policyConfigError } from "./policy-config-error.js";
import { StoreOpenError } from "./store-open-error.js";

const DAY_MS = 86_400_000;

/** The retention and grace a PostgreSQL store holds the engine's reward wait to. */
export interface EventRetention {
  eventRetentionMs: number;
  settleGraceMs: number;
}

type Issue = { field: string; message: string };

function issuesOf(error: unknown): Issue[] {
  const { code, issues } = (error ?? {}) as Partial<ValidationError>;
  return code === "VALIDATION_ERROR" && Array.isArray(issues) ? issues : [];
}

/**
 * Why the engine refused to start, said with the sidecar's variables rather than the engine's
 * option names: the decision log (AURORA_DECISION_LOG), PostgreSQL's event retention against the
 * reward wait (AURORA_EVENT_RETENTION_DAYS, AURORA_REWARD_WAIT_MS), the policy (AURORA_POLICY,
 * AURORA_GUARDRAIL), and the stored model (MODEL_PATH, DATABASE_URL).
 *
 * The policy registry refuses a bad policy config and a model it cannot restore alike, in the
 * fields it was reading. To tell them apart, the same options are tried once more without the
 * store: refused again, the variables are at fault; taken, the stored model is.
 */
export async function engineStartError(
  error: unknown,
  config: SidecarConfig,
  options: RoutingEngineOptions,
  source: ModelSource | undefined,
  retention?: EventRetention,
): Promise<Error> {
  const named = decisionLogError(error) ?? (retention ? eventRetentionError(error, config, retention) : undefined);
  if (named) return named;
  const issues = issuesOf(error);
  if (source === undefined) return policyConfigError(error, config) ?? (error as Error);
  if (issues.length === 0) {
    return source.variable === "DATABASE_URL" ? new StoreOpenError(source.schema, error) : new ModelLoadError(source, error);
  }
  const alone = await refusalWithoutStore(options);
  if (alone !== undefined) return policyConfigError(alone, config) ?? (alone as Error);
  const policyMismatch = issues.some(({ field }) => field === "policy" || field.endsWith(".policy"));
  const variables = policyMismatch ? policyConfigError(error, config) : undefined;
  return variables ? otherPolicyError(variables, source) : new ModelLoadError(source, error);
}

/** The engine's refusal without its store (and without the decision log and Ψ-Field), or undefined when it starts. */
async function refusalWithoutStore(options: RoutingEngineOptions): Promise<unknown> {
  const { modelPath: _model, decisionLogPath: _log, psiFieldUrl: _psi, ...alone } = options;
  let engine: RoutingEngine;
  try {
    engine = new RoutingEngine(alone);
  } catch (error) {
    return error;
  }
  await engine.close();
  return undefined;
}

/** AURORA_POLICY (or AURORA_GUARDRAIL) names another policy than the stored model was saved by. */
function otherPolicyError(refused: ConfigError, source: ModelSource): ConfigError {
  const [where, fresh] =
    source.variable === "MODEL_PATH"
      ? [`the model at MODEL_PATH ${source.path}`, "set MODEL_PATH to a new file"]
      : [
          `the model in PostgreSQL (DATABASE_URL, schema "${source.schema}")`,
          "set DATABASE_URL or AURORA_DATABASE_SCHEMA to a new one",
        ];
  return new ConfigError(
    refused.problems.map(({ variable, message }) => ({
      variable,
      message: `does not match ${where}, saved by another policy (${message}): a model goes on with the policy it was saved with, so unset ${variable} to go on with it, or ${fresh} to start a new model with this policy`,
    })),
    { cause: refused.cause },
  );
}

/** The decision log could not be opened, or is not one. */
function decisionLogError(error: unknown): ConfigError | undefined {
  const issue = issuesOf(error).find(({ field }) => field === "decisionLogPath");
  const opening = (error as { code?: unknown } | null)?.code === "DECISION_LOG_WRITE_FAILED";
  if (!issue && !opening) return undefined;
  return new ConfigError([{ variable: "AURORA_DECISION_LOG", message: issue ? issue.message : reasonOf(error) }], {
    cause: error,
  });
}

/** PostgreSQL would remove a decision's events before every replica has settled it. */
function eventRetentionError(error: unknown, config: SidecarConfig, store: EventRetention): ConfigError | undefined {
  if (!issuesOf(error).some(({ field }) => field === "store.eventRetentionMs")) return undefined;
  const grace = store.settleGraceMs;
  const wait = config.rewardWaitMs ?? DEFAULT_REWARD_WAIT_MS;
  const advice = `a decision settled on one replica could still be pending on another when its events are removed; set AURORA_EVENT_RETENTION_DAYS to ${Math.ceil((wait + grace) / DAY_MS)} or more, or shorten AURORA_REWARD_WAIT_MS`;
  const days = store.eventRetentionMs / DAY_MS;
  const problem =
    config.eventRetentionMs !== undefined
      ? {
          variable: "AURORA_EVENT_RETENTION_DAYS",
          message: `${days} day${days === 1 ? "" : "s"} is shorter than AURORA_REWARD_WAIT_MS (${wait} ms${config.rewardWaitMs === undefined ? ", its default" : ""}) plus the PostgreSQL store's settle grace (${grace} ms): ${advice}`,
        }
      : {
          variable: "AURORA_REWARD_WAIT_MS",
          message: `${wait} ms plus the PostgreSQL store's settle grace (${grace} ms) is longer than PostgreSQL keeps a finished decision's events (AURORA_EVENT_RETENTION_DAYS, ${days} days by default): ${advice}`,
        };
  return new ConfigError([problem], { cause: error });
}
