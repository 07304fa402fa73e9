import {
  constraintsSchema,
  contextSchema,
  decideRequestSchema,
  outcomeSchema,
  providerSchema,
  psiMetricsSchema,
} from "@aurora/domain";
import { z } from "zod";
import {
  auditEntrySchema,
  auditResponseSchema,
  candidateExplanationSchema,
  decideResponseSchema,
  decisionMetadataSchema,
  decisionViewSchema,
  errorResponseSchema,
  feedbackResponseSchema,
  healthResponseSchema,
  policiesResponseSchema,
  readinessResponseSchema,
  statusResponseSchema,
  unauthorizedResponseSchema,
  WWW_AUTHENTICATE,
} from "./response-schemas.js";
import { MAX_AUDIT_LIMIT } from "./routes/audit.js";

export interface OpenApiOptions {
  version?: string;
}

type Json = Record<string, unknown>;

const ref = (id: string): Json => ({ $ref: `#/components/schemas/${id}` });
const jsonContent = (id: string): Json => ({ "application/json": { schema: ref(id) } });
const error = (description: string): Json => ({ description, content: jsonContent("Error") });

/** Converts a set of zod schemas, naming each, with references between them. */
function components(schemas: Record<string, z.ZodType>, io: "input" | "output"): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: converted } = z.toJSONSchema(registry, {
    io,
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(converted)) {
    const { $schema: _schema, $id: _id, ...rest } = schema;
    out[id] = rest;
  }
  return out;
}

/**
 * The OpenAPI 3.1 document of the sidecar, generated from the same zod schemas the engine
 * validates requests with (domain) and the routes declare their responses with.
 *
 * The bearer scheme (`bearerAuth`) is declared whether or not this instance has AURORA_API_TOKEN
 * set, required by every operation but /healthz and /readyz, each documenting its 401: the
 * document describes the API, not one deployment, so a client generated from a development
 * instance without a token can still send one to a production instance that needs it (a sidecar
 * without a token ignores the header).
 */
export function buildOpenApiDocument(options: OpenApiOptions = {}): Json {
  const requests = components(
    {
      Context: contextSchema,
      Provider: providerSchema,
      Constraints: constraintsSchema,
      PsiMetrics: psiMetricsSchema,
      DecideRequest: decideRequestSchema,
      Outcome: outcomeSchema,
    },
    "input",
  );
  const responses = components(
    {
      CandidateExplanation: candidateExplanationSchema,
      DecisionMetadata: decisionMetadataSchema,
      DecideResponse: decideResponseSchema,
      DecisionView: decisionViewSchema,
      Policies: policiesResponseSchema,
      FeedbackResponse: feedbackResponseSchema,
      Status: statusResponseSchema,
      AuditEntry: auditEntrySchema,
      AuditResponse: auditResponseSchema,
      Health: healthResponseSchema,
      Readiness: readinessResponseSchema,
      Error: errorResponseSchema,
      Unauthorized: unauthorizedResponseSchema,
    },
    "output",
  );

  const unauthorized = {
    401: {
      description:
        "AURORA_API_TOKEN is set and the request does not carry it as `Authorization: Bearer <token>` (the header is missing, or the token is wrong)",
      headers: {
        "WWW-Authenticate": { description: "The bearer challenge", schema: { type: "string", const: WWW_AUTHENTICATE } },
      },
      content: jsonContent("Unauthorized"),
    },
  };
  const secured = { security: [{ bearerAuth: [] }] };
  const open = { security: [] };
  const bodyErrors = {
    400: error("Body is not JSON or a field is wrong; `field` names it"),
    413: error("Body larger than BODY_LIMIT"),
    415: error(
      "Content-Type is not application/json, or declares a charset other than UTF-8 (`field` is content-type), or the body is compressed (`field` is content-encoding)",
    ),
  };
  const shuttingDown = {
    503: error(
      "The sidecar is shutting down (`shutting_down`) or its store cannot make the outcome durable (`store_unavailable`): retry",
    ),
  };

  return {
    openapi: "3.1.0",
    info: {
      title: "Aurora sidecar",
      version: options.version ?? "0.1.0",
      description:
        "Adaptive routing of GPU workloads over HTTP: ask POST /decide where a job should run, report the outcome to POST /feedback. Bodies are the engine's wire records (snake_case).",
    },
    security: [{ bearerAuth: [] }],
    paths: {
      "/decide": {
        post: {
          operationId: "decide",
          summary: "Choose a provider for a workload",
          ...secured,
          requestBody: { required: true, content: jsonContent("DecideRequest") },
          responses: {
            200: {
              description: "The chosen provider (null with metadata.reason when nothing is viable) and the decision's metadata",
              content: jsonContent("DecideResponse"),
            },
            ...bodyErrors,
            ...unauthorized,
            503: error("The sidecar is shutting down (`shutting_down`): retry on another replica"),
          },
        },
      },
      "/feedback": {
        post: {
          operationId: "feedback",
          summary: "Report the outcome of a decision; the engine learns from it once",
          description:
            "Set provider_id when the router fell back to one of metadata.alternatives: the outcome is learned for that provider. Any other provider_id is refused with 400 naming provider_id. List the providers tried first that failed in failed_before, in the order tried: each is learned as a failed job (400 naming failed_before[i] for a provider the decision did not offer, one named twice, or the one the job ended on).",
          ...secured,
          requestBody: { required: true, content: jsonContent("Outcome") },
          responses: {
            200: { description: "The reward learned", content: jsonContent("FeedbackResponse") },
            ...bodyErrors,
            ...unauthorized,
            404: error("decision_id is unknown"),
            409: error("This decision already has feedback"),
            410: error("The decision's reward wait had passed; the outcome was not learned"),
            ...shuttingDown,
          },
        },
      },
      "/decisions/{id}": {
        get: {
          operationId: "getDecision",
          summary: "The record of one recent decision",
          description:
            "The request, every candidate with its estimate, violations and why it was or was not chosen, the choice, its probability, the policy and model version, and the outcome or settlement once known. The engine keeps its most recent decisions (10,000 by default).",
          ...secured,
          parameters: [
            {
              name: "id",
              in: "path",
              required: true,
              description: "metadata.decision_id from POST /decide",
              schema: { type: "string", minLength: 1, maxLength: 200 },
            },
          ],
          responses: {
            200: { description: "The decision's record", content: jsonContent("DecisionView") },
            400: error("id is longer than 200 characters (`field` is id), or the path is not valid percent-encoding (`bad_url`)"),
            ...unauthorized,
            404: error(
              "No record of this decision_id: never given out, forgotten, made before the engine last started, or made by another replica",
            ),
            414: error("The path parameter is over the router's limit of 2,400 characters (`url_too_long`)"),
          },
        },
      },
      "/policies": {
        get: {
          operationId: "policies",
          summary: "The learning policies AURORA_POLICY accepts, and the one in use",
          ...secured,
          responses: { 200: { description: "Policy kinds", content: jsonContent("Policies") }, ...unauthorized },
        },
      },
      "/status": {
        get: {
          operationId: "status",
          summary: "The engine's status (the seed's shape)",
          ...secured,
          responses: { 200: { description: "Status", content: jsonContent("Status") }, ...unauthorized },
        },
      },
      "/audit": {
        get: {
          operationId: "audit",
          summary: "Audit trail entries, newest first",
          ...secured,
          parameters: [
            {
              name: "limit",
              in: "query",
              required: false,
              schema: { type: "integer", minimum: 0, maximum: MAX_AUDIT_LIMIT, default: 100 },
            },
            { name: "decision_id", in: "query", required: false, schema: { type: "string", minLength: 1, maxLength: 200 } },
          ],
          responses: {
            200: { description: "Entries", content: jsonContent("AuditResponse") },
            400: error("limit or decision_id is wrong; `field` names it"),
            ...unauthorized,
          },
        },
      },
      "/healthz": {
        get: {
          operationId: "healthz",
          summary: "Liveness",
          ...open,
          responses: { 200: { description: "The process serves HTTP", content: jsonContent("Health") } },
        },
      },
      "/readyz": {
        get: {
          operationId: "readyz",
          summary: "Readiness: model loaded, MODEL_PATH writable",
          ...open,
          responses: {
            200: { description: "Ready", content: jsonContent("Readiness") },
            503: { description: "Not ready; the failing check says why", content: jsonContent("Readiness") },
          },
        },
      },
      "/metrics": {
        get: {
          operationId: "metrics",
          summary: "Prometheus metrics",
          ...secured,
          responses: {
            200: {
              description: "Prometheus text exposition format 0.0.4",
              content: { "text/plain": { schema: { type: "string" } } },
            },
            ...unauthorized,
          },
        },
      },
      "/openapi.json": {
        get: {
          operationId: "openapi",
          summary: "This document",
          ...secured,
          responses: {
            200: { description: "OpenAPI 3.1 document", content: { "application/json": { schema: { type: "object" } } } },
            ...unauthorized,
          },
        },
      },
    },
    components: {
      schemas: { ...requests, ...responses },
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description:
            "The token set in AURORA_API_TOKEN. A sidecar started without AURORA_API_TOKEN needs none and ignores the header, so a client may send it to every instance.",
        },
      },
    },
  };
}
