import type { FastifyInstance } from "fastify";
import { buildOpenApiDocument } from "../openapi.js";
import { errorResponses } from "./error-responses.js";

/**
 * `GET /openapi.json` → the OpenAPI 3.1 document, built once from the zod schemas; the same
 * whether or not AURORA_API_TOKEN is set (see buildOpenApiDocument).
 */
export async function openApiRoute(app: FastifyInstance): Promise<void> {
  const document = JSON.stringify(buildOpenApiDocument());
  app.get(
    "/openapi.json",
    { schema: { summary: "This API's OpenAPI document", response: { 200: { type: "object" }, ...errorResponses(401) } } },
    async (_request, reply) => reply.type("application/json; charset=utf-8").send(document),
  );
}
