import { idSchema, parseWith } from "@aurora/domain";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { auditResponseSchema, jsonSchemaOf } from "../response-schemas.js";
import { errorResponses } from "./error-responses.js";

export const MAX_AUDIT_LIMIT = 10_000;

const limitHint = `must be a whole number from 0 to ${MAX_AUDIT_LIMIT}`;

/**
 * Query strings arrive as text; a repeated parameter arrives as an array and is refused. Unknown
 * parameters are refused too: `?decisionId=…` ignored would answer the unfiltered trail.
 */
export const auditQuerySchema = z.strictObject({
  limit: z
    .string({ error: `${limitHint} (given once)` })
    .regex(/^\d{1,9}$/, { error: limitHint })
    .transform(Number)
    .pipe(z.number().max(MAX_AUDIT_LIMIT, { error: limitHint }))
    .default(100),
  decision_id: idSchema.optional(),
});

/** `GET /audit?limit=&decision_id=` → `{entries}`, newest first; `limit` defaults to 100. */
export async function auditRoute(app: FastifyInstance): Promise<void> {
  app.get(
    "/audit",
    {
      schema: {
        summary: "Audit trail entries, newest first",
        response: { 200: jsonSchemaOf(auditResponseSchema), ...errorResponses(400, 401, 500) },
      },
    },
    async (request) => {
      const query = parseWith(auditQuerySchema, request.query);
      const entries = app.engine.getAuditTrail({
        limit: query.limit,
        ...(query.decision_id !== undefined ? { decisionId: query.decision_id } : {}),
      });
      return { entries };
    },
  );
}
