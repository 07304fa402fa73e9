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
});
