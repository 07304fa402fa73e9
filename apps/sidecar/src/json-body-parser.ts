import type { FastifyRequest } from "fastify";

/** A request body that is not JSON. Answered with 400 and the parser's reason. */
export class InvalidJsonBodyError extends Error {
  readonly code = "INVALID_JSON";
  readonly statusCode = 400;

  constructor(reason: string, options?: { cause?: unknown }) {
    super(`the request body is not valid JSON (${reason}): send one JSON object with Content-Type: application/json`, options);
    this.name = "InvalidJsonBodyError";
  }
}

/**
 * Fastify content-type parser for `application/json`. Plain `JSON.parse`: its message says
 * where the text broke. Keys such as `__proto__` and `constructor` stay inert data here, and
 * the domain's zod schemas rebuild every record from known keys only, so they never reach a
 * prototype.
 */
export function parseJsonBody(_request: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void): void {
  if (body.length === 0) {
    done(new InvalidJsonBodyError("the body is empty"));
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    done(new InvalidJsonBodyError((error as Error).message, { cause: error }));
    return;
  }
  done(null, parsed);
}
