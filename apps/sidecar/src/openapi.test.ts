import { decideRequestSchema } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { buildOpenApiDocument } from "./openapi.js";

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) {
      if (key === "$ref" && typeof v === "string") out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe("buildOpenApiDocument", () => {
  // Through JSON, as a client reads it (and untyped, to walk it freely).
  const document = JSON.parse(JSON.stringify(buildOpenApiDocument()));
  const schemas = document.components.schemas;

  it("describes the request bodies with the domain's schemas, defaults making fields optional", () => {
    expect(schemas.Outcome.required).toEqual(["decision_id", "success", "actual_cost_usd", "actual_latency_ms"]);
    expect(schemas.Provider.required).toEqual(["provider_id", "price_usd_per_hour", "latency_ms", "reputation"]);
    expect(schemas.Context.required).toEqual(["workload_type", "gpu_type", "region"]);
    expect(schemas.Context.properties.gpu_hours).toEqual({
      default: 1,
      type: "number",
      exclusiveMinimum: 0,
      maximum: 1_000_000_000,
    });
    expect(schemas.DecideRequest.properties.providers).toMatchObject({
      type: "array",
      minItems: 1,
      maxItems: 10_000,
      items: { $ref: "#/components/schemas/Provider" },
    });
    expect(document.paths["/decide"].post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/DecideRequest",
    });
  });

  it("generates the same constraints zod checks (no schema written twice)", () => {
    const standalone = JSON.parse(JSON.stringify(z.toJSONSchema(decideRequestSchema, { io: "input" })));
    expect(schemas.DecideRequest.properties.constraints).toEqual({ $ref: "#/components/schemas/Constraints" });
    expect(schemas.Constraints).toEqual(standalone.properties.constraints);
    expect(schemas.DecideRequest.required).toEqual(standalone.required);
  });

  it("describes the decide answer, provider_id nullable", () => {
    expect(schemas.DecideResponse.properties.provider_id).toEqual({ type: ["string", "null"] });
    expect(schemas.DecideResponse.properties.metadata).toEqual({ $ref: "#/components/schemas/DecisionMetadata" });
    expect(schemas.DecisionMetadata.required).toEqual(
      expect.arrayContaining(["decision_id", "mode", "q_value", "epsilon", "state_key", "validated", "violations"]),
    );
  });

  it("documents 401, 404, 409, 410 and 503 for feedback", () => {
    expect(Object.keys(document.paths["/feedback"].post.responses).sort()).toEqual([
      "200",
      "400",
      "401",
      "404",
      "409",
      "410",
      "413",
      "415",
      "503",
    ]);
  });

  it("documents a decision's record at /decisions/{id}: 200 DecisionView, 404 Error", () => {
    const operation = document.paths["/decisions/{id}"].get;
    expect(operation.parameters).toEqual([
      expect.objectContaining({
        name: "id",
        in: "path",
        required: true,
        schema: { type: "string", minLength: 1, maxLength: 200 },
      }),
    ]);
    expect(operation.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/DecisionView" });
    expect(operation.responses["404"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
    expect(schemas.DecisionView.required).toEqual(
      expect.arrayContaining(["decision_id", "request", "candidates", "provider_id", "outcome", "settled"]),
    );
    expect(schemas.DecisionView.properties.candidates.items).toEqual({ $ref: "#/components/schemas/CandidateExplanation" });
  });

  it("documents the policies list, 503 for decide, and mode baseline", () => {
    expect(document.paths["/policies"].get.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/Policies",
    });
    expect(document.paths["/decide"].post.responses["503"]).toBeDefined();
    expect(schemas.DecisionMetadata.properties.mode.enum).toEqual(["explore", "exploit", "baseline", "none"]);
    expect(schemas.DecisionMetadata.properties.candidates.items).toEqual({ $ref: "#/components/schemas/CandidateExplanation" });
  });

  it("resolves every reference and keeps no per-schema $schema or $id", () => {
    for (const ref of refsIn(document)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.slice("#/components/schemas/".length)]).toBeDefined();
    }
    for (const schema of Object.values(schemas as Record<string, object>)) {
      expect(schema).not.toHaveProperty("$schema");
      expect(schema).not.toHaveProperty("$id");
    }
  });

  it("declares the bearer scheme, needed by every operation but /healthz and /readyz, each documenting its 401", () => {
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: { type: "http", scheme: "bearer", description: expect.stringContaining("AURORA_API_TOKEN") },
    });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    type Operation = { security?: unknown; responses: Record<string, unknown> };
    const operations = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
      Object.values(methods).map((operation) => [path, operation] as const),
    );
    expect(operations.length).toBeGreaterThan(8);
    for (const [path, operation] of operations) {
      if (path === "/healthz" || path === "/readyz") {
        expect(operation.security, path).toEqual([]);
        expect(operation.responses["401"], path).toBeUndefined();
      } else {
        expect(operation.security, path).toEqual([{ bearerAuth: [] }]);
        expect(operation.responses["401"], path).toEqual({
          description: expect.stringContaining("AURORA_API_TOKEN"),
          headers: {
            "WWW-Authenticate": { description: expect.any(String), schema: { type: "string", const: 'Bearer realm="aurora"' } },
          },
          content: { "application/json": { schema: { $ref: "#/components/schemas/Unauthorized" } } },
        });
      }
    }
  });

  it("describes the 401 body as the auth plugin sends it: error unauthorized and a message, nothing else", () => {
    expect(schemas.Unauthorized).toEqual({
      type: "object",
      properties: { error: { type: "string", const: "unauthorized" }, message: { type: "string" } },
      required: ["error", "message"],
      additionalProperties: false,
    });
  });
});
