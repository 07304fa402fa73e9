import { performance } from "node:perf_hooks";
import type { DecideRequestInput } from "@aurora/engine";
import type { FastifyInstance } from "fastify";
import { InvalidJsonBodyError } from "../json-body-parser.js";
import { decideResponseSchema, jsonSchemaOf } from "../response-schemas.js";
import { errorResponses } from "./error-responses.js";

/**
 * `POST /decide` `{context, providers, constraints?, psi_metrics?, explain?}` → 200
 * `{provider_id, metadata}`; `provider_id` is null with `metadata.reason` when nothing is viable.
 * The engine validates the body with the domain's zod schema (400 names the field); a closed
 * engine (shutting down) → 503.
 */
export async function decideRoute(app: FastifyInstance): Promise<void> {
  app.post(
    "/decide",
    {
      schema: {
        summary: "Choose a provider for a workload",
        response: { 200: jsonSchemaOf(decideResponseSchema), ...errorResponses(400, 401, 413, 415, 500, 503) },
      },
    },
    async (request) => {
      if (request.body === undefined) throw new InvalidJsonBodyError("no body was sent");
      const started = performance.now();
      const result = app.engine.decide(request.body as DecideRequestInput);
      app.metrics.observeDecision(result.provider_id, result.metadata.mode, (performance.now() - started) / 1000);
      return result;
    },
  );
}
