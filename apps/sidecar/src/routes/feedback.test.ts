import { ManualClock, RoutingEngine } from "@aurora/engine";
import { afterEach, describe, expect, it } from "vitest";
import { DECIDE_BODY, OUTCOME, postJson, testApp } from "../../test/fixtures.js";
import { errorResponseSchema, feedbackResponseSchema } from "../response-schemas.js";

describe("POST /feedback", () => {
  const apps: ReturnType<typeof testApp>[] = [];
  const app = (...args: Parameters<typeof testApp>) => {
    const built = testApp(...args);
    apps.push(built);
    return built;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  async function decide(sidecar: ReturnType<typeof testApp>): Promise<string> {
    return (await postJson(sidecar, "/decide", DECIDE_BODY)).json().metadata.decision_id;
  }

  it("answers 200 with the reward learned: −cost − latency/500 + reputation/100 + 10", async () => {
    const sidecar = app();
    const decisionId = await decide(sidecar);
    const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ decision_id: decisionId, reward: 8.28 });
    expect(feedbackResponseSchema.safeParse(answer.json()).success).toBe(true);
    expect(sidecar.engine.getStatus().strategist.total_rewards).toBe(1);
  });

  it("learns −20 from a failure", async () => {
    const sidecar = app();
    const decisionId = await decide(sidecar);
    const answer = await postJson(sidecar, "/feedback", {
      decision_id: decisionId,
      success: false,
      actual_cost_usd: 0,
      actual_latency_ms: 0,
      error_reason: "node lost",
    });
    expect(answer.json()).toEqual({ decision_id: decisionId, reward: -20 });
  });

  it("answers 404 for a decision id it never gave out", async () => {
    const answer = await postJson(app(), "/feedback", { decision_id: "no-such-decision", ...OUTCOME });
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({
      error: "unknown_decision",
      decision_id: "no-such-decision",
      message:
        'decision_id "no-such-decision" is unknown: use the metadata.decision_id returned by decide(), and send feedback before the decision\'s wait runs out',
    });
    expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("refuses a second feedback for the same decision with 409 and leaves the model unchanged", async () => {
    const sidecar = app();
    const decisionId = await decide(sidecar);
    await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME });
    const before = sidecar.engine.getStatus().strategist;
    const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME, success: false });
    expect(answer.statusCode).toBe(409);
    expect(answer.json()).toEqual({
      error: "duplicate_feedback",
      decision_id: decisionId,
      message: `decision_id "${decisionId}" already has feedback: each decision is learned from once, so this second outcome was ignored`,
    });
    expect(sidecar.engine.getStatus().strategist).toEqual(before);
  });

  it("answers 410 saying the reward wait had passed when feedback comes too late", async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const sidecar = app({}, { engine: new RoutingEngine({ clock, rewardWaitMs: 60_000, seed: 7 }) });
    const decisionId = await decide(sidecar);
    clock.advance(60_001);
    const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME });
    expect(answer.statusCode).toBe(410);
    expect(answer.json()).toEqual({
      error: "late_feedback",
      decision_id: decisionId,
      settled_at: "2025-01-01T00:01:00.001Z",
      message: `decision_id "${decisionId}" was settled at 2025-01-01T00:01:00.001Z because its reward wait passed; this late outcome was not learned (raise rewardWaitMs if jobs run longer)`,
    });
    expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("names a missing field in a 400", async () => {
    const sidecar = app();
    const decisionId = await decide(sidecar);
    const { success: _dropped, ...withoutSuccess } = OUTCOME;
    const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...withoutSuccess });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({
      error: "validation_error",
      field: "success",
      message: "success: must be true or false",
    });
  });

  it("names a negative cost in a 400", async () => {
    const answer = await postJson(app(), "/feedback", { decision_id: "d", ...OUTCOME, actual_cost_usd: -3 });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({
      field: "actual_cost_usd",
      message: "actual_cost_usd: must be ≥ 0 (USD the job actually cost)",
    });
  });
});
