import { policyCatalog, policyKinds } from "@aurora/strategist";
import type { FastifyInstance } from "fastify";
import { jsonSchemaOf, policiesResponseSchema } from "../response-schemas.js";
import { errorResponses } from "./error-responses.js";

/**
 * `GET /policies` → 200 `{policies: [{kind, description?, defaults?}], active}`: every kind of
 * the strategist's policy registry (what AURORA_POLICY accepts, by name or as `{"kind": …}`),
 * with the description and default options its `policyCatalog` gives, and the policy the engine
 * runs. Built once: the registry is fixed when the process starts.
 */
export async function policiesRoute(app: FastifyInstance): Promise<void> {
  const policies = policyKinds.map((kind) => {
    const entry = Object.hasOwn(policyCatalog, kind) ? policyCatalog[kind] : undefined;
    return entry ? { kind, description: entry.description, defaults: entry.defaults } : { kind };
  });
  app.get(
    "/policies",
    {
      schema: {
        summary: "The learning policies AURORA_POLICY accepts",
        response: { 200: jsonSchemaOf(policiesResponseSchema), ...errorResponses(401, 500) },
      },
    },
    async () => ({ policies, active: app.engine.getStatus().policy }),
  );
}
