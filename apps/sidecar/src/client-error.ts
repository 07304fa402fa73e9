import { type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import type { errorResponseSchema } from "./response-schemas.js";

type ErrorBody = z.output<typeof errorResponseSchema>;

/** The error Node's HTTP server emits as `clientError` (Fastify's `ConnectionError`, loosely). */
export interface ClientError extends Error {
  code?: string;
  /** llhttp's reason, e.g. "Invalid header token" (fixed text, never the request's bytes). */
  reason?: string;
}

/**
 * What was malformed, and what to do about it, by llhttp's error code. Codes not listed get the
 * parser's own reason. A Content-Length shorter than the body leaves the rest of the body to be
 * read as the next request on the connection, which then starts with something that is not a method.
 */
const PARSER_ERRORS = new Map<string, string>([
  [
    "HPE_INVALID_METHOD",
    "the request line does not start with an HTTP method (bytes after a body longer than its Content-Length are read as a new request): send a Content-Length equal to the body's length in bytes",
  ],
  [
    "HPE_INVALID_URL",
    "the request target holds a character a URL may not (a raw space, NUL or other control character): percent-encode it (encodeURIComponent for a decision id)",
  ],
  [
    "HPE_INVALID_CONSTANT",
    'the request line is not "METHOD target HTTP/1.1" (a raw space in the target splits it): percent-encode spaces in the target as %20',
  ],
  ["HPE_INVALID_VERSION", 'the request line does not end with a valid HTTP version: send "HTTP/1.1"'],
  [
    "HPE_INVALID_HEADER_TOKEN",
    "a header name or value holds a character HTTP does not allow (a space or control character in a name, a NUL or bare CR/LF in a value)",
  ],
  [
    "HPE_UNEXPECTED_CONTENT_LENGTH",
    "the request has Content-Length more than once, or together with Transfer-Encoding: send exactly one of them",
  ],
  [
    "HPE_INVALID_TRANSFER_ENCODING",
    "the request's Transfer-Encoding is not acceptable (it may not be sent together with Content-Length, and chunked must be its last coding): send exactly one of them",
  ],
  [
    "HPE_INVALID_CONTENT_LENGTH",
    "the Content-Length header is not a single whole number of bytes, or comes after Transfer-Encoding: chunked (send exactly one of them)",
  ],
  ["HPE_INVALID_CHUNK_SIZE", "a chunk of the chunked body does not start with its size in hexadecimal"],
  ["HPE_CR_EXPECTED", "a line of the request does not end with CRLF"],
  ["HPE_LF_EXPECTED", "a line of the request does not end with CRLF"],
  ["HPE_STRICT", "a line of the request does not end with CRLF"],
]);

/**
 * The reply to a request Node's HTTP parser refused (or that did not arrive in time), before any
 * route, hook or Fastify request exists: status and the sidecar's error body.
 */
export function describeClientError(error: ClientError): { status: number; body: ErrorBody } {
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return {
      status: 408,
      body: {
        error: "request_timeout",
        message: "the request (its headers and body) did not arrive in time: send it again, whole",
      },
    };
  }
  if (error.code === "HPE_HEADER_OVERFLOW") {
    return {
      status: 431,
      body: {
        error: "headers_too_large",
        message: "the request's headers are larger than this server accepts (Node's --max-http-header-size, 16 KiB by default)",
      },
    };
  }
  const known = error.code === undefined ? undefined : PARSER_ERRORS.get(error.code);
  const reason = typeof error.reason === "string" ? error.reason.slice(0, 200) : undefined;
  const what = known ?? `the request is not valid HTTP/1.1${reason === undefined ? "" : ` (${reason})`}`;
  const code = error.code?.startsWith("HPE_") ? ` [${error.code}]` : "";
  return { status: 400, body: { error: "bad_request", message: `${what}${code}` } };
}

/** Node's `Socket` plus the in-flight response it tracks (`_httpMessage`), as Node itself checks. */
interface HttpSocket extends Socket {
  _httpMessage?: ServerResponse | null;
}

/**
 * Fastify's `clientErrorHandler`, bound to the root instance: answers a request Node's HTTP parser
 * refused (bad request line, header or body framing) in the sidecar's error shape, counts it in
 * `aurora_http_errors_total{route="(unmatched)"}`, and closes the connection. A reset connection
 * gets nothing, nor does one no longer writable; 408 for a request timeout and 431 for headers
 * over the limit, as Fastify's default and Node's do. Unlike them, when an earlier request on the
 * connection is still being answered (the engine may have learned it), its answer goes out whole
 * first and the 400 after it: in its place, the 400 would read as that request's answer, final,
 * for an outcome that was learned.
 */
export function clientErrorReply(this: FastifyInstance, error: ClientError, rawSocket: Socket): void {
  const socket = rawSocket as HttpSocket;
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const { status, body } = describeClientError(error);
  this.log.debug({ err: error, status }, "request refused by the HTTP parser");
  // The metrics plugin decorates the root instance; a server refusing bytes before it loaded has no counter yet.
  if (this.hasDecorator("metrics")) this.metrics.observeHttpError("(unmatched)", status);
  const refuse = () => {
    if (socket.destroyed) return;
    if (socket.writable) {
      const json = JSON.stringify(body);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          "Content-Type: application/json; charset=utf-8\r\n" +
          `Content-Length: ${Buffer.byteLength(json)}\r\n` +
          "Connection: close\r\n\r\n" +
          json,
      );
    }
    socket.destroy(error);
  };
  const inFlight = socket._httpMessage;
  if (inFlight != null && !inFlight.writableFinished) inFlight.once("close", refuse);
  else refuse();
}
