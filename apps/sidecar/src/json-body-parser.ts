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

/** A body sent compressed (`Content-Encoding: gzip`, …): answered with 415, not parsed as JSON. */
export class UnsupportedContentEncodingError extends Error {
  readonly code = "UNSUPPORTED_CONTENT_ENCODING";
  readonly statusCode = 415;

  constructor(encoding: string) {
    super(
      `Content-Encoding "${encoding.slice(0, 100)}" is not accepted: send the JSON body uncompressed (no Content-Encoding, or identity)`,
    );
    this.name = "UnsupportedContentEncodingError";
  }
}

/**
 * Fastify content-type parser for `application/json`. Plain `JSON.parse`: its message says
 * where the text broke. Keys such as `__proto__` and `constructor` stay inert data here, and
 * the domain's zod schemas rebuild every record from known keys only, so they never reach a
 * prototype.
 */
export function parseJsonBody(request: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void): void {
  // Fastify does not decompress: a gzip body would read as garbage that "is not valid JSON".
  const encoding = request.headers["content-encoding"];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
    done(new UnsupportedContentEncodingError(encoding));
    return;
  }
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
