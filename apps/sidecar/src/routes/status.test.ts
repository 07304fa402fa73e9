import { ManualClock, RoutingEngine } from "@aurora/engine";
import { afterEach, describe, expect, it } from "vitest";
import { DECIDE_BODY, OUTCOME, postJson, testApp } from "../../test/fixtures.js";
import { statusResponseSchema } from "../response-schemas.js";

describe("GET /status", () => {
  let app: ReturnType<typeof testApp>;
  afterEach(async () => {
    await app.close();
  });

  it("answers the engine's status in the seed's shape", async () => {
    app = testApp();
    const decided = await postJson(app, "/decide", DECIDE_BODY);
    await postJson(app, "/decide", DECIDE_BODY);
    await postJson(app, "/feedback", { decision_id: decided.json().metadata.decision_id, ...OUTCOME });

    const answer = await app.inject({ method: "GET", url: "/status" });
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    expect(body).toEqual(JSON.parse(JSON.stringify(app.engine.getStatus())));
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(["strategist", "executor", "auditor", "psi_field_connected", "model_path"]),
    );
    expect(body.executor).toMatchObject({ total_decisions: 2, total_outcomes: 1, success_rate: 1, pending_feedback: 1 });
    expect(body.strategist).toMatchObject({ decision_count: 2, q_states: 1, total_rewards: 1 });
    expect(body.psi_field_connected).toBe(false);
    expect(body.model_path).toBeNull();
    expect(statusResponseSchema.safeParse(body).success).toBe(true);
  });

  it("counts decisions settled with the default reward and late feedback", async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    app = testApp({}, { engine: new RoutingEngine({ clock, seed: 7, rewardWaitMs: 60_000, defaultReward: -1 }) });
    const late = (await postJson(app, "/decide", DECIDE_BODY)).json().metadata.decision_id;
    await postJson(app, "/decide", DECIDE_BODY);
    clock.advance(60_001);
    expect((await postJson(app, "/feedback", { decision_id: late, ...OUTCOME })).statusCode).toBe(410);

    const body = (await app.inject({ method: "GET", url: "/status" })).json();
    expect(body.settlement).toEqual({ settled_with_default: 2, settled_dropped: 0 });
    expect(body.executor).toMatchObject({ late_feedback: 1, pending_feedback: 0 });
    expect(body.strategist.total_rewards).toBe(2);
    expect(statusResponseSchema.safeParse(body).success).toBe(true);
  });

  it("shows the guardrail's trusted share when AURORA_GUARDRAIL is on", async () => {
    app = testApp({ guardrail: { baseline: { kind: "rule" } } });
    await postJson(app, "/decide", DECIDE_BODY);
    const body = (await app.inject({ method: "GET", url: "/status" })).json();
    expect(body.policy).toBe("guardrail");
    expect(body.strategist.guardrail).toMatchObject({ baseline: "rule", decisions: 1, trusted_decisions: 0, trusted_share: 0 });
    expect(statusResponseSchema.safeParse(body).success).toBe(true);
  });
});
