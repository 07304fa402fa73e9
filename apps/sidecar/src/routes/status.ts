import type { FastifyInstance } from "fastify";
import { jsonSchemaOf, statusResponseSchema } from "../response-schemas.js";
import { errorResponses } from "./error-responses.js";

/** `GET /status` → the engine's status: the seed's keys (strategist, executor, auditor, psi_field_connected, model_path) and more. */
export async function statusRoute(app: FastifyInstance): Promise<void> {
  app.get(
    "/status",
    {
      schema: {
        summary: "The engine's status, in the seed's shape",
        response: { 200: jsonSchemaOf(statusResponseSchema), ...errorResponses(401, 500) },
      },
    },
    async () => app.engine.getStatus(),
  );
}
