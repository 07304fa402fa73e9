import { policyKinds } from "@aurora/strategist";
import type { FastifyInstance } from "fastify";
import { jsonSchemaOf, policiesResponseSchema } from "../response-schemas.js";
import { errorResponses } from "./error-responses.js";

/**
 * `GET /policies` → 200 `{policies: [{kind}], active}`: the kinds of the strategist's policy
 * registry (what AURORA_POLICY accepts, by name or as `{"kind": …}`) and the policy the engine
 * runs. Built once: the registry is fixed when the process starts.
 */
export async function policiesRoute(app: FastifyInstance): Promise<void> {
  const policies = policyKinds.map((kind) => ({ kind }));
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
