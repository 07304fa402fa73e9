import type {
  AuroraError,
  DuplicateFeedbackError,
  LateFeedbackError,
  UnknownDecisionError,
  ValidationError,
} from "@aurora/domain";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import fp from "fastify-plugin";
import type { z } from "zod";
import { ENGINE_CLOSED_BODY, isEngineClosedError } from "./engine-closed.js";
import type { errorResponseSchema } from "./response-schemas.js";

type ErrorBody = z.output<typeof errorResponseSchema>;

/**
 * AuroraError codes that are the caller's doing, with their HTTP status and wire name. Matched
 * by `code` rather than `instanceof`, so an error from a second copy of @aurora/domain maps too.
 */
const AURORA_CODES = new Map<string, { status: number; error: string }>([
  ["VALIDATION_ERROR", { status: 400, error: "validation_error" }],
  ["UNKNOWN_DECISION", { status: 404, error: "unknown_decision" }],
  ["DUPLICATE_FEEDBACK", { status: 409, error: "duplicate_feedback" }],
  ["LATE_FEEDBACK", { status: 410, error: "late_feedback" }],
  // The store (disk, PostgreSQL) could not make the feedback durable: not acknowledged, retry later.
  ["FEEDBACK_NOT_DURABLE", { status: 503, error: "store_unavailable" }],
]);

export interface ErrorHandlerOptions {
  /** The configured BODY_LIMIT, in bytes, quoted in 413 answers. */
  bodyLimit: number;
}

/**
 * Turns every error into a JSON answer a person can act on: AuroraError codes → 400/404/409/410,
 * Fastify's body errors → 400/413/415, anything else → 500 with the details in the log only.
 * Unknown paths get 404, a known path asked with another method 405 with `Allow`. Each error
 * answer is counted in `aurora_http_errors_total`.
 */
async function errorHandler(app: FastifyInstance, options: ErrorHandlerOptions): Promise<void> {
  if (!Number.isInteger(options.bodyLimit) || options.bodyLimit < 1) {
    throw new TypeError(`error-handler: bodyLimit must be a whole number of bytes ≥ 1, got ${String(options.bodyLimit)}`);
  }

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = describe(error, request, options.bodyLimit);
    app.metrics.observeHttpError(routeOf(request), status);
    if (status >= 500) request.log.error({ err: error }, "request failed");
    else request.log.debug({ err: error, status }, "request refused");
    return reply.code(status).send(body);
  });

  // Every method some route answers, to tell "no such path" (404) from "not with this method" (405).
  const routeMethods = new Set<string>();
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) routeMethods.add(method.toUpperCase());
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    const allowed = allowedMethods(app, routeMethods, path);
    if (allowed.length > 0) {
      app.metrics.observeHttpError("(unmatched)", 405);
      const body: ErrorBody = {
        error: "method_not_allowed",
        message: `there is no route ${request.method} ${path.slice(0, 300)}: this path takes ${allowed.join(", ")} (the Allow header lists them)`,
      };
      return reply.code(405).header("allow", allowed.join(", ")).send(body);
    }
    app.metrics.observeHttpError("(unmatched)", 404);
    const body: ErrorBody = {
      error: "not_found",
      message: `there is no route ${request.method} ${path}: GET /openapi.json lists them`,
    };
    return reply.code(404).send(body);
  });
}

/** The order methods are listed in an `Allow` header; any others follow, alphabetically. */
const METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/**
 * The methods some route answers at `path` (HEAD wherever GET is), in `METHOD_ORDER`; empty when
 * the path exists under no method. A path that is not valid percent-encoding matches no route
 * (the router's lookup would return its bad-URL handler, which is no route; such paths are
 * answered 400 `bad_url` before this, but the guard keeps a stray one from reading as 405).
 */
function allowedMethods(app: FastifyInstance, routeMethods: ReadonlySet<string>, path: string): string[] {
  try {
    decodeURIComponent(path);
  } catch {
    return [];
  }
  const allowed = new Set<string>();
  for (const method of routeMethods) {
    if (app.findRoute({ method: method as HTTPMethods, url: path }) !== null) allowed.add(method);
  }
  if (allowed.has("GET")) allowed.add("HEAD");
  const rank = (method: string) => {
    const index = METHOD_ORDER.indexOf(method);
    return index === -1 ? METHOD_ORDER.length : index;
  };
  return [...allowed].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Fastify's `frameworkErrors`: the errors its router raises before any route or hook runs (a path
 * that is not valid percent-encoding, a path parameter over `maxParamLength`), answered in the
 * same shape as every other error instead of Fastify's own, and counted as the others are.
 */
export function frameworkErrorReply(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split("?")[0]?.slice(0, 300) ?? "";
  let status: number;
  let body: ErrorBody;
  switch (error.code) {
    case "FST_ERR_BAD_URL":
      status = 400;
      body = {
        error: "bad_url",
        field: "(path)",
        message: `the path ${JSON.stringify(path)} is not valid percent-encoding: encode each path segment (a decision id) with encodeURIComponent`,
      };
      break;
    case "FST_ERR_MAX_PARAM_LENGTH":
      status = 414;
      body = {
        error: "url_too_long",
        field: "(path)",
        message: "a path parameter is longer than any this sidecar takes (a decision id is at most 200 characters)",
      };
      break;
    default:
      status = 500;
      body = {
        error: "internal_error",
        message: `the sidecar failed on this request; its log has the details (request id ${request.id})`,
      };
      request.log.error({ err: error }, "request failed");
  }
  request.server.metrics.observeHttpError("(unmatched)", status);
  return reply.code(status).send(body);
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? "(unmatched)";
}

function describe(error: FastifyError, request: FastifyRequest, bodyLimit: number): { status: number; body: ErrorBody } {
  const known = typeof error.code === "string" ? AURORA_CODES.get(error.code) : undefined;
  if (known) return { status: known.status, body: auroraBody(known.error, error as unknown as AuroraError) };
  switch (error.code) {
    case "INVALID_JSON":
      return { status: 400, body: { error: "invalid_json", field: "(body)", message: error.message } };
    case "UNSUPPORTED_CONTENT_ENCODING":
      return { status: 415, body: { error: "unsupported_media_type", field: "content-encoding", message: error.message } };
    case "UNSUPPORTED_CHARSET":
      return { status: 415, body: { error: "unsupported_media_type", field: "content-type", message: error.message } };
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return {
        status: 413,
        body: {
          error: "body_too_large",
          field: "(body)",
          message: `the request body is larger than ${bodyLimit} bytes: send fewer providers per request or raise BODY_LIMIT`,
        },
      };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE": {
      const given = request.headers["content-type"];
      const what = given === undefined ? "a body without Content-Type is" : `Content-Type "${given.slice(0, 100)}" is`;
      return {
        status: 415,
        body: {
          error: "unsupported_media_type",
          field: "content-type",
          message: `${what} not accepted: send the body as JSON with Content-Type: application/json`,
        },
      };
    }
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return {
        status: 400,
        body: {
          error: "invalid_body",
          field: "content-length",
          message: "the body's length does not match its Content-Length header",
        },
      };
  }
  if (isEngineClosedError(error)) return { status: 503, body: ENGINE_CLOSED_BODY };
  const status = typeof error.statusCode === "number" ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { status, body: { error: "bad_request", message: error.message } };
  }
  return {
    status: 500,
    body: {
      error: "internal_error",
      message: `the sidecar failed on this request; its log has the details (request id ${request.id})`,
    },
  };
}

function auroraBody(name: string, error: AuroraError): ErrorBody {
  switch (error.code) {
    case "VALIDATION_ERROR": {
      const { field, issues } = error as ValidationError;
      return { error: name, field, message: error.message, issues };
    }
    case "LATE_FEEDBACK": {
      const { decisionId, settledAt } = error as LateFeedbackError;
      return { error: name, message: error.message, decision_id: decisionId, settled_at: new Date(settledAt).toISOString() };
    }
    default:
      return {
        error: name,
        message: error.message,
        decision_id: (error as UnknownDecisionError | DuplicateFeedbackError).decisionId,
      };
  }
}

export default fp(errorHandler, { name: "aurora-error-handler", fastify: "5.x" });
