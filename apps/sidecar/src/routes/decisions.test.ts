import { ManualClock, RoutingEngine } from "@aurora/engine";
import { afterEach, describe, expect, it } from "vitest";
import { CONTEXT, DECIDE_BODY, OUTCOME, postJson, testApp } from "../../test/fixtures.js";
import { decisionViewSchema, errorResponseSchema } from "../response-schemas.js";

const START = Date.UTC(2025, 0, 1);

describe("GET /decisions/:id", () => {
  let app: ReturnType<typeof testApp>;
  let clock: ManualClock;
  afterEach(async () => {
    await app.close();
  });

  function sidecar(): ReturnType<typeof testApp> {
    clock = new ManualClock(START);
    app = testApp({}, { engine: new RoutingEngine({ clock, seed: 7, rewardWaitMs: 60_000, defaultReward: -1 }) });
    return app;
  }

  async function decide(body: unknown = DECIDE_BODY): Promise<{ provider_id: string | null; metadata: Record<string, unknown> }> {
    return (await postJson(app, "/decide", body)).json();
  }

  it("answers 200 with the decision's record: request, every candidate and why, the choice", async () => {
    sidecar();
    const decided = await decide();
    const answer = await app.inject({ method: "GET", url: `/decisions/${decided.metadata.decision_id}` });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({
      decision_id: decided.metadata.decision_id,
      timestamp: "2025-01-01T00:00:00.000Z",
      state_key: "llm_inference:a100:us-west",
      request: { context: CONTEXT, constraints: DECIDE_BODY.constraints },
      candidates: [
        { provider_id: "akash", estimate: 0, violations: [], status: "chosen", reason: "chosen (explore)" },
        {
          provider_id: "vast",
          estimate: 0,
          violations: [],
          status: "ranked_lower",
          reason: "compliant, but the policy preferred another provider",
        },
        {
          provider_id: "render",
          estimate: null,
          violations: ["price_exceeded"],
          status: "violated_constraint",
          reason: "violates price_exceeded while compliant providers exist",
        },
      ],
      provider_id: "akash",
      mode: "explore",
      probability: 0.9500000000000001,
      epsilon: 0.1,
      policy: "q-learning",
      model_version: 0,
      reason: null,
      outcome: null,
      settled: null,
    });
    expect(decisionViewSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("shows the outcome once learned, with the fallback the router used", async () => {
    sidecar();
    const decided = await decide();
    await postJson(app, "/feedback", { decision_id: decided.metadata.decision_id, ...OUTCOME, provider_id: "vast" });
    const answer = await app.inject({ method: "GET", url: `/decisions/${decided.metadata.decision_id}` });
    expect(answer.json().outcome).toEqual({
      decision_id: decided.metadata.decision_id,
      ...OUTCOME,
      provider_id: "vast",
      reward: 8.28,
      fallback: true,
    });
    expect(decisionViewSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("shows the settlement of a decision whose reward wait passed without feedback", async () => {
    sidecar();
    const decided = await decide();
    clock.advance(60_001);
    await app.inject({ method: "GET", url: "/status" }); // the engine settles expired decisions when it next works
    const answer = await app.inject({ method: "GET", url: `/decisions/${decided.metadata.decision_id}` });
    expect(answer.json().settled).toEqual({ reason: "expired", reward: -1, at: "2025-01-01T00:01:00.001Z" });
    expect(answer.json().outcome).toBeNull();
    expect(decisionViewSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("keeps the record of a request where nothing was viable, with the reason", async () => {
    sidecar();
    const decided = await decide({ ...DECIDE_BODY, constraints: { allow: ["nobody"] } });
    expect(decided.provider_id).toBeNull();
    const answer = await app.inject({ method: "GET", url: `/decisions/${decided.metadata.decision_id}` });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({
      provider_id: null,
      mode: "none",
      reason: "no provider is allowed: all 3 candidate(s) were excluded by allow/deny",
    });
    expect(answer.json().candidates.map((c: { status: string }) => c.status)).toEqual(["excluded", "excluded", "excluded"]);
    expect(decisionViewSchema.safeParse(answer.json()).success).toBe(true);
  });

  it.each(["no-such-decision", "__proto__", "constructor"])("answers 404 for %j, saying where ids come from", async (id) => {
    sidecar();
    await decide();
    const answer = await app.inject({ method: "GET", url: `/decisions/${id}` });
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({
      error: "unknown_decision",
      decision_id: id,
      message: `no record of decision_id "${id}": use the metadata.decision_id returned by POST /decide; the engine keeps its most recent decisions only (10,000 by default, oldest forgotten first), in memory since it last started, and a decision made by another replica is on record there; the audit trail keeps the decision's entry across restarts: GET /audit?decision_id=${encodeURIComponent(id)}`,
    });
    expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("keeps no records with AURORA_DECISION_RECORDS=0", async () => {
    app = testApp({ decisionRecords: 0 });
    const decided = await decide();
    const answer = await app.inject({ method: "GET", url: `/decisions/${String(decided.metadata.decision_id)}` });
    expect(answer.statusCode).toBe(404);
  });

  it("decodes a percent-encoded id", async () => {
    sidecar();
    const answer = await app.inject({ method: "GET", url: `/decisions/${encodeURIComponent("a b/ü")}` });
    expect(answer.statusCode).toBe(404);
    expect(answer.json().decision_id).toBe("a b/ü");
  });

  it("answers 400 naming id for an id longer than any decision id (200 characters)", async () => {
    sidecar();
    const answer = await app.inject({ method: "GET", url: `/decisions/${"x".repeat(201)}` });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({
      error: "validation_error",
      field: "id",
      message: "id: must be at most 200 characters",
    });
  });
});
