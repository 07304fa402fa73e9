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
 * A JSON body declared in a charset other than UTF-8 (`application/json; charset=latin1`):
 * answered with 415. RFC 8259 (§8.1) has JSON exchanged between systems encoded as UTF-8, and
 * the body is read as UTF-8, so any other charset would be silently misread.
 */
export class UnsupportedCharsetError extends Error {
  readonly code = "UNSUPPORTED_CHARSET";
  readonly statusCode = 415;

  constructor(charset: string) {
    super(
      `charset ${JSON.stringify(charset.slice(0, 100))} is not accepted: JSON is read as UTF-8 only (RFC 8259 requires UTF-8 between systems): send the body encoded as UTF-8, with Content-Type: application/json or application/json; charset=utf-8`,
    );
    this.name = "UnsupportedCharsetError";
  }
}

const UTF8_NAMES = new Set(["utf-8", "utf8"]);

/**
 * The `charset` parameter of a Content-Type header (`application/json; charset="utf-8"` →
 * `utf-8`), its quotes removed; undefined when the header has none.
 */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  for (const parameter of contentType.split(";").slice(1)) {
    const equals = parameter.indexOf("=");
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== "charset") continue;
    const value = parameter.slice(equals + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, "$1") : value;
  }
  return undefined;
}

/**
 * Fastify content-type parser for `application/json`, UTF-8 (no charset, or utf-8). Plain `JSON.parse`: its message says
 * where the text broke. Keys such as `__proto__` and `constructor` stay inert data here, and
 * the domain's zod schemas rebuild every record from known keys only, so they never reach a
 * prototype.
 */
/** Strict UTF-8: a byte sequence that is not UTF-8 is refused, not replaced by U+FFFD; a BOM is kept (and refused by JSON.parse). */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function parseJsonBody(
  request: FastifyRequest,
  raw: Buffer | string,
  done: (error: Error | null, body?: unknown) => void,
): void {
  // Fastify does not decompress: a gzip body would read as garbage that "is not valid JSON".
  const encoding = request.headers["content-encoding"];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
    done(new UnsupportedContentEncodingError(encoding));
    return;
  }
  // Fastify decodes every body as UTF-8: one declared in another charset would be misread, not refused.
  const charset = charsetOf(request.headers["content-type"]);
  if (charset !== undefined && !UTF8_NAMES.has(charset.toLowerCase())) {
    done(new UnsupportedCharsetError(charset));
    return;
  }
  let body: string;
  try {
    body = typeof raw === "string" ? raw : UTF8.decode(raw);
  } catch (error) {
    // Decoded leniently, "café" sent in Latin-1 became "caf\uFFFD": an id the caller never sent.
    done(new InvalidJsonBodyError("it is not UTF-8", { cause: error }));
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
