import type { RoutingEngineOptions } from "@aurora/engine";
import { DEFAULT_AUDIT_SEGMENT_BYTES, RoutingEngine } from "@aurora/engine";
import { PostgresStore } from "@aurora/store-postgres";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { SidecarConfig } from "./config.js";
import { engineStartError } from "./engine-start-error.js";
import { probeModelStore } from "./model-store-probe.js";

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

/** Where the engine and its store write their notes (a damaged model file, a lost database connection…). */
export type EngineLog = (message: string) => void;

/**
 * The engine options the environment asks for; unset variables keep the engine's defaults.
 * `log` receives the engine's notes and its file store's (default: `console.warn`, plain text).
 */
export function engineOptionsFrom(config: SidecarConfig, log?: EngineLog): RoutingEngineOptions {
  return {
    strictAudit: config.strictAudit,
    autoSave: config.autoSave,
    saveEvery: config.saveEvery,
    ...(config.psiFieldUrl !== undefined ? { psiFieldUrl: config.psiFieldUrl } : {}),
    ...(config.psiTimeoutMs !== undefined ? { psiTimeoutMs: config.psiTimeoutMs } : {}),
    ...(config.psiTtlMs !== undefined ? { psiTtlMs: config.psiTtlMs } : {}),
    ...(config.modelPath !== undefined ? { modelPath: config.modelPath } : {}),
    ...(config.decisionLogPath !== undefined ? { decisionLogPath: config.decisionLogPath } : {}),
    ...(config.minCompactBytes !== undefined ? { minCompactBytes: config.minCompactBytes } : {}),
    ...(config.auditRetention !== undefined ? { auditRetention: config.auditRetention } : {}),
    ...(config.rewardWaitMs !== undefined ? { rewardWaitMs: config.rewardWaitMs } : {}),
    ...(config.defaultReward !== undefined ? { defaultReward: config.defaultReward } : {}),
    ...(config.rewardWeights !== undefined ? { rewardWeights: config.rewardWeights } : {}),
    ...(config.alternatives !== undefined ? { alternatives: config.alternatives } : {}),
    ...(config.decisionRecords !== undefined ? { maxDecisionRecords: config.decisionRecords } : {}),
    ...(config.seed !== undefined ? { seed: config.seed } : {}),
    // Checked by the engine's policy registry, which names the bad option.
    ...(config.policy !== undefined ? { policy: config.policy as RoutingEngineOptions["policy"] } : {}),
    ...(config.guardrail !== undefined ? { guardrail: config.guardrail as RoutingEngineOptions["guardrail"] } : {}),
    ...(log !== undefined ? { log } : {}),
  };
}

/**
 * The engine on MODEL_PATH's file store, on DATABASE_URL's PostgreSQL store, or in memory. A refusal
 * is reported in the sidecar's variables (see engineStartError); a PostgreSQL store that cannot be
 * opened names DATABASE_URL. The engine, its file store (built by the engine from `log`) and the
 * PostgreSQL store all write their notes to `log`.
 */
async function buildEngine(config: SidecarConfig, log: EngineLog): Promise<RoutingEngine> {
  if (config.databaseUrl === undefined) {
    const options = engineOptionsFrom(config, log);
    try {
      return new RoutingEngine(options);
    } catch (error) {
      const source = config.modelPath !== undefined ? { variable: "MODEL_PATH" as const, path: config.modelPath } : undefined;
      throw await engineStartError(error, config, options, source);
    }
  }
  // parseConfig refuses MODEL_PATH with DATABASE_URL; a config built by hand may still hold both.
  const { modelPath: _unused, ...options } = engineOptionsFrom(config, log);
  const schema = config.databaseSchema ?? "aurora";
  const store = new PostgresStore({
    connectionString: config.databaseUrl,
    schema,
    log,
    ...(config.eventRetentionMs !== undefined ? { eventRetentionMs: config.eventRetentionMs } : {}),
    ...(config.databaseAuditRetentionMs !== undefined ? { auditRetentionMs: config.databaseAuditRetentionMs } : {}),
  });
  try {
    return await RoutingEngine.open({ ...options, store });
  } catch (error) {
    throw await engineStartError(error, config, options, { variable: "DATABASE_URL", schema }, store);
  }
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
  // One JSON line at warn per note, like every other line the sidecar logs (not console.warn's plain text).
  const log: EngineLog = (message) => app.log.warn(message);
  const engine = options.engine ?? (await buildEngine(options.config, log));
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
    const auditMaxBytes = options.config.auditRetention?.maxBytes;
    if (auditMaxBytes !== undefined && auditMaxBytes < DEFAULT_AUDIT_SEGMENT_BYTES) {
      app.log.warn(
        { audit_max_bytes: auditMaxBytes, audit_segment_bytes: DEFAULT_AUDIT_SEGMENT_BYTES },
        `AURORA_AUDIT_MAX_BYTES is ${auditMaxBytes} bytes, less than one audit segment (${DEFAULT_AUDIT_SEGMENT_BYTES / 1024 / 1024} MiB): retention removes whole segments, never the one being written, so the audit trail beside MODEL_PATH keeps its current segment, up to ${DEFAULT_AUDIT_SEGMENT_BYTES / 1024 / 1024} MiB, and each older one is removed when the next starts`,
      );
    }
    const check = await probeModelStore(modelPath);
    if (!check.ok) app.log.error({ model_path: modelPath }, `${check.error}; /readyz answers 503 until it is`);
  });

  app.addHook("onClose", async () => {
    await engine.close();
  });
}

export default fp(enginePlugin, { name: "aurora-engine", fastify: "5.x" });
