import { idSchema, parseWith } from "@aurora/domain";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { DecisionNotOnRecordError } from "../decision-not-on-record-error.js";
import { decisionViewSchema, jsonSchemaOf } from "../response-schemas.js";
import { errorResponses } from "./error-responses.js";

const decisionParamsSchema = z.object({ id: idSchema });

/**
 * `GET /decisions/:id` → 200 the engine's record of a recent decision: the request, every
 * candidate and why it was or was not chosen, the choice, its probability, the policy and
 * model version, and the outcome or settlement once known. Unknown or forgotten id → 404.
 */
export async function decisionsRoute(app: FastifyInstance): Promise<void> {
  app.get(
    "/decisions/:id",
    {
      schema: {
        summary: "The record of one recent decision",
        response: { 200: jsonSchemaOf(decisionViewSchema), ...errorResponses(400, 401, 404, 500) },
      },
    },
    async (request) => {
      const { id } = parseWith(decisionParamsSchema, request.params);
      const view = app.engine.getDecision(id);
      if (view === undefined) throw new DecisionNotOnRecordError(id);
      return view;
    },
  );
}
