import type { z } from "zod";
import type { errorResponseSchema } from "./response-schemas.js";

/**
 * The engine refuses work once closed with a plain `Error` (no `code`) whose message starts
 * so; matched on the message until the engine throws a named error for it.
 */
const CLOSED_PREFIX = "RoutingEngine is closed";

/** True for the error a closed engine throws from `decide` and `feedback`. */
export function isEngineClosedError(error: unknown): boolean {
  return error instanceof Error && typeof error.message === "string" && error.message.startsWith(CLOSED_PREFIX);
}

/** The 503 answer to a request that reached the engine after it closed (the sidecar is shutting down). */
export const ENGINE_CLOSED_BODY: z.output<typeof errorResponseSchema> = Object.freeze({
  error: "shutting_down",
  message:
    "the sidecar is shutting down and no longer decides or learns: retry on another replica or once it has restarted",
});
