import type { DecideResult, DecisionView, EngineStatus, RoutingEngine } from "@aurora/engine";
import type { GuardrailStats } from "@aurora/strategist";
import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { auditEntrySchema, decisionMetadataSchema, decisionViewSchema, statusResponseSchema } from "./response-schemas.js";

/** A loose object's declared keys, without its `[key: string]: unknown` (interfaces never extend one). */
type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

type Status = z.input<typeof statusResponseSchema>;

describe("response schemas (type level, checked by tsc)", () => {
  it("accept every DecideResult the engine's types allow", () => {
    expectTypeOf<DecideResult>().toExtend<{
      provider_id: string | null;
      metadata: Known<z.input<typeof decisionMetadataSchema>>;
    }>();
  });

  it("accept every EngineStatus the engine's types allow", () => {
    expectTypeOf<EngineStatus>().toExtend<{
      strategist: Omit<Known<Status["strategist"]>, "guardrail">;
      executor: Known<Status["executor"]>;
      auditor: Known<Status["auditor"]>;
      psi_field_connected: boolean;
      model_path: string | null;
      policy: string;
      settlement: Status["settlement"];
      decision_log: Known<NonNullable<Status["decision_log"]>> | null;
    }>();
    expectTypeOf<GuardrailStats>().toExtend<Known<NonNullable<Status["strategist"]["guardrail"]>>>();
  });

  it("accept every DecisionView the engine's types allow", () => {
    expectTypeOf<DecisionView>().toExtend<Known<z.input<typeof decisionViewSchema>>>();
  });

  it("accept every audit entry the engine's types allow", () => {
    expectTypeOf<ReturnType<RoutingEngine["getAuditTrail"]>[number]>().toExtend<Known<z.input<typeof auditEntrySchema>>>();
  });
});
