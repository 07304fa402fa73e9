import type { RoutingEngineOptions } from "@aurora/engine";
import { RoutingEngine } from "@aurora/engine";
import { PostgresStore } from "@aurora/store-postgres";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { SidecarConfig } from "./config.js";
import { probeModelStore } from "./model-store-probe.js";
import { policyConfigError } from "./policy-config-error.js";
import { StoreOpenError } from "./store-open-error.js";

declare module "fastify" {
  interface FastifyInstance {
    engine: RoutingEngine;
  }
}

export interface EnginePluginOptions {
  config: SidecarConfig;
  /** A ready engine (tests, embedding); otherwise one is built from `config`. Either way the app closes it. */
  engine?: RoutingEngine;
}

/** The engine options the environment asks for; unset variables keep the engine's defaults. */
export function engineOptionsFrom(config: SidecarConfig): RoutingEngineOptions {
  return {
    strictAudit: config.strictAudit,
    autoSave: config.autoSave,
    saveEvery: config.saveEvery,
    ...(config.psiFieldUrl !== undefined ? { psiFieldUrl: config.psiFieldUrl } : {}),
    ...(config.psiTimeoutMs !== undefined ? { psiTimeoutMs: config.psiTimeoutMs } : {}),
    ...(config.psiTtlMs !== undefined ? { psiTtlMs: config.psiTtlMs } : {}),
    ...(config.modelPath !== undefined ? { modelPath: config.modelPath } : {}),
    ...(config.minCompactBytes !== undefined ? { minCompactBytes: config.minCompactBytes } : {}),
    ...(config.auditRetention !== undefined ? { auditRetention: config.auditRetention } : {}),
    ...(config.rewardWaitMs !== undefined ? { rewardWaitMs: config.rewardWaitMs } : {}),
    ...(config.defaultReward !== undefined ? { defaultReward: config.defaultReward } : {}),
    ...(config.alternatives !== undefined ? { alternatives: config.alternatives } : {}),
    ...(config.decisionRecords !== undefined ? { maxDecisionRecords: config.decisionRecords } : {}),
    ...(config.seed !== undefined ? { seed: config.seed } : {}),
    // Checked by the engine's policy registry, which names the bad option.
    ...(config.policy !== undefined ? { policy: config.policy as RoutingEngineOptions["policy"] } : {}),
    ...(config.guardrail !== undefined ? { guardrail: config.guardrail as RoutingEngineOptions["guardrail"] } : {}),
  };
}

/**
 * The policy registry's refusals name fields of AURORA_POLICY or AURORA_GUARDRAIL (see
 * policyConfigError); any other failure to open the PostgreSQL store names DATABASE_URL.
 */
async function buildEngine(config: SidecarConfig): Promise<RoutingEngine> {
  try {
    // DATABASE_URL selects the PostgreSQL store (shared by every replica on that database) over MODEL_PATH.
    if (config.databaseUrl !== undefined) {
      const { modelPath: _unused, ...options } = engineOptionsFrom(config);
      const schema = config.databaseSchema ?? "aurora";
      const store = new PostgresStore({
        connectionString: config.databaseUrl,
        schema,
        ...(config.eventRetentionMs !== undefined ? { eventRetentionMs: config.eventRetentionMs } : {}),
        ...(config.databaseAuditRetentionMs !== undefined ? { auditRetentionMs: config.databaseAuditRetentionMs } : {}),
      });
      try {
        return await RoutingEngine.open({ ...options, store });
      } catch (error) {
        if (isValidationError(error)) throw error;
        throw new StoreOpenError(schema, error);
      }
    }
    return new RoutingEngine(engineOptionsFrom(config));
  } catch (error) {
    throw policyConfigError(error, config) ?? error;
  }
}

/** The engine's refusal of an option (its policy's included): reported as it is, not as the store's failure. */
function isValidationError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "VALIDATION_ERROR";
}

/**
 * Decorates the app with `engine` (building it from the config unless one is given), reports an
 * unwritable MODEL_PATH when the app starts, and closes the engine — which flushes the model —
 * once the server has stopped and in-flight requests have finished.
 */
async function enginePlugin(app: FastifyInstance, options: EnginePluginOptions): Promise<void> {
  if (typeof options.config !== "object" || options.config === null) {
    throw new TypeError("engine-plugin: config is required; build it with parseConfig(process.env)");
  }
  const engine = options.engine ?? (await buildEngine(options.config));
  app.decorate("engine", engine);

  const modelPath = options.config.modelPath;
  app.addHook("onReady", async () => {
    if (options.config.databaseUrl !== undefined) {
      app.log.info(
        { store: "postgres" },
        "DATABASE_URL is set: the model, decisions and outcomes live in PostgreSQL, shared with every replica on it",
      );
      return;
    }
    if (modelPath === undefined) {
      app.log.info("MODEL_PATH is not set: the model lives in memory only and is lost at exit");
      return;
    }
    const check = await probeModelStore(modelPath);
    if (!check.ok) app.log.error({ model_path: modelPath }, `${check.error}; /readyz answers 503 until it is`);
  });

  app.addHook("onClose", async () => {
    await engine.close();
  });
}

export default fp(enginePlugin, { name: "aurora-engine", fastify: "5.x" });
