import { EngineClosedError } from "@aurora/engine";
import type { z } from "zod";
import type { errorResponseSchema } from "./response-schemas.js";

/** True for the error a closed engine throws from `decide` and `feedback`. */
export function isEngineClosedError(error: unknown): boolean {
  return error instanceof EngineClosedError;
}

/** The 503 answer to a request that reached the engine after it closed (the sidecar is shutting down). */
export const ENGINE_CLOSED_BODY: z.output<typeof errorResponseSchema> = Object.freeze({
  error: "shutting_down",
  message: "the sidecar is shutting down and no longer decides or learns: retry on another replica or once it has restarted",
});
