import { errorResponseSchema, jsonSchemaOf } from "../response-schemas.js";

const errorJson = jsonSchemaOf(errorResponseSchema);

/** The shared error body's JSON schema under each of `statuses`, for a route's `schema.response`. */
export function errorResponses(...statuses: number[]): Record<number, Record<string, unknown>> {
  const out: Record<number, Record<string, unknown>> = {};
  for (const status of statuses) out[status] = errorJson;
  return out;
}
