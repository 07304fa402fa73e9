import type { FastifyInstance } from "fastify";
import { healthResponseSchema, jsonSchemaOf } from "../response-schemas.js";

/** `GET /healthz` → 200 `{status: "ok"}` while the process serves HTTP (liveness; no token needed). */
export async function healthzRoute(app: FastifyInstance): Promise<void> {
  app.get(
    "/healthz",
    {
      config: { public: true },
      schema: { summary: "Liveness", response: { 200: jsonSchemaOf(healthResponseSchema) } },
    },
    async () => ({ status: "ok" as const }),
  );
}
