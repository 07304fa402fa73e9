#!/usr/bin/env node
import type { FastifyInstance } from "fastify";
import { buildApp } from "./app.js";
import type { SidecarConfig } from "./config.js";
import { parseConfig } from "./config.js";
import { ListenError } from "./listen-error.js";

/**
 * Starts the sidecar from the environment. Exit codes: 0 after a graceful shutdown (SIGTERM or
 * SIGINT: stop accepting, finish in-flight requests, flush the model), 1 when the configuration
 * is invalid, the engine cannot start, the port cannot be bound, or shutdown failed or timed out.
 */
async function main(): Promise<void> {
  let config: SidecarConfig;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    process.stderr.write(`aurora-sidecar: ${(error as Error).message}\n`);
    process.exit(1);
  }

  let app: FastifyInstance;
  try {
    app = buildApp(config);
    await app.ready();
  } catch (error) {
    process.stderr.write(`aurora-sidecar: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    process.stderr.write(`aurora-sidecar: cannot start: ${new ListenError(config.host, config.port, error).message}\n`);
    process.exit(1);
  }
  app.log.info(
    {
      address: app.server.address(),
      model_path: config.modelPath ?? null,
      decision_log: config.decisionLogPath ?? null,
      psi_field_url: config.psiFieldUrl ?? null,
      auth: config.apiToken !== undefined,
    },
    "aurora sidecar listening",
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      app.log.warn({ signal }, "second signal: saving the model now and exiting without waiting");
      saveNowAndExit(app, config, 1);
      return;
    }
    stopping = true;
    app.log.info({ signal }, "shutting down: finishing in-flight requests, then saving the model");
    // Deliberately not unref'd: this timer must fire even if nothing else keeps the process alive.
    setTimeout(() => {
      app.log.error({ timeout_ms: config.shutdownTimeoutMs }, "shutdown took longer than SHUTDOWN_TIMEOUT_MS");
      saveNowAndExit(app, config, 1);
    }, config.shutdownTimeoutMs);
    app.close().then(
      () => {
        app.log.info(stoppedMessage(config));
        process.exit(0);
      },
      (error: unknown) => {
        app.log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function stoppedMessage(config: SidecarConfig): string {
  // On PostgreSQL every acknowledged event is in the database; a snapshot only shortens restarts.
  if (config.databaseUrl !== undefined)
    return `stopped; the model is in PostgreSQL (schema "${config.databaseSchema ?? "aurora"}")`;
  return config.modelPath !== undefined && config.autoSave
    ? `stopped; model saved to ${config.modelPath}`
    : "stopped; model not saved (MODEL_PATH unset or AUTO_SAVE=false)";
}

/** Last resort when a graceful close cannot finish: a synchronous atomic save, then exit. */
function saveNowAndExit(app: FastifyInstance, config: SidecarConfig, code: number): never {
  try {
    if (config.autoSave) app.engine.saveSync();
  } catch (error) {
    app.log.error({ err: error }, "synchronous model save failed");
  }
  process.exit(code);
}

void main();
