import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { probeModelStore } from "../model-store-probe.js";
import { jsonSchemaOf, readinessResponseSchema } from "../response-schemas.js";

type Readiness = z.output<typeof readinessResponseSchema>;

export interface ReadyzOptions {
  modelPath: string | undefined;
}

/**
 * `GET /readyz` → 200 when the model is loaded and answers and MODEL_PATH (when set) is
 * writable now; 503 with the failing check otherwise. No token needed. A failed background
 * save is reported in `checks.store.last_save_error`; readiness follows the live probe.
 */
export async function readyzRoute(app: FastifyInstance, options: ReadyzOptions): Promise<void> {
  const schema = jsonSchemaOf(readinessResponseSchema);
  app.get(
    "/readyz",
    { config: { public: true }, schema: { summary: "Readiness", response: { 200: schema, 503: schema } } },
    async (_request, reply) => {
      const body = await readiness(app, options.modelPath);
      return reply.code(body.ready ? 200 : 503).send(body);
    },
  );
}

async function readiness(app: FastifyInstance, modelPath: string | undefined): Promise<Readiness> {
  let model: Readiness["checks"]["model"] = { ok: true };
  let psiConnected = false;
  let storeStatus: ReturnType<FastifyInstance["engine"]["getStatus"]>["store"] = null;
  try {
    const status = app.engine.getStatus();
    psiConnected = status.psi_field_connected;
    storeStatus = status.store;
  } catch (error) {
    model = { ok: false, error: `the engine does not answer: ${(error as Error).message}` };
  }
  const store: Readiness["checks"]["store"] = { ok: true, path: modelPath ?? null };
  if (modelPath !== undefined) {
    const probe = await probeModelStore(modelPath);
    if (!probe.ok) {
      store.ok = false;
      store.error = probe.error;
    }
    const lastSaveError = app.engine.lastSaveError;
    if (lastSaveError !== undefined) store.last_save_error = String((lastSaveError as Error)?.message ?? lastSaveError);
  }
  // A store that cannot write (database down, disk error) cannot acknowledge feedback: not ready until it recovers.
  if (store.ok && storeStatus && !storeStatus.ready) {
    store.ok = false;
    store.error = `the ${storeStatus.kind} store cannot write: ${storeStatus.last_error ?? "unknown error"}`;
  }
  return { ready: model.ok && store.ok, checks: { model, store }, psi_field_connected: psiConnected };
}
