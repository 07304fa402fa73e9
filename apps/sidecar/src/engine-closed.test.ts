import { RoutingEngine } from "@aurora/engine";
import { afterEach, describe, expect, it } from "vitest";
import { DECIDE_BODY, OUTCOME, postJson, testApp } from "../test/fixtures.js";
import { isEngineClosedError } from "./engine-closed.js";
import { errorResponseSchema } from "./response-schemas.js";

const SHUTTING_DOWN = {
  error: "shutting_down",
  message: "the sidecar is shutting down and no longer decides or learns: retry on another replica or once it has restarted",
};

describe("isEngineClosedError", () => {
  it("recognises what a closed engine throws", async () => {
    const engine = new RoutingEngine({ seed: 1 });
    await engine.close();
    expect(() => engine.decide(DECIDE_BODY)).toThrow();
    let thrown: unknown;
    try {
      engine.decide(DECIDE_BODY);
    } catch (error) {
      thrown = error;
    }
    expect(isEngineClosedError(thrown)).toBe(true);
  });

  it("ignores other errors and non-errors", () => {
    expect(isEngineClosedError(new Error("disk full"))).toBe(false);
    expect(isEngineClosedError("RoutingEngine is closed")).toBe(false);
    expect(isEngineClosedError(undefined)).toBe(false);
  });
});

describe("a closed engine behind the routes", () => {
  let app: ReturnType<typeof testApp>;
  afterEach(async () => {
    await app.close();
  });

  it("answers decide with 503 shutting_down, not 500", async () => {
    const engine = new RoutingEngine({ seed: 7 });
    app = testApp({}, { engine });
    await app.ready();
    await engine.close();
    const answer = await postJson(app, "/decide", DECIDE_BODY);
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual(SHUTTING_DOWN);
    expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("answers feedback with 503 shutting_down, not 500", async () => {
    const engine = new RoutingEngine({ seed: 7 });
    app = testApp({}, { engine });
    const decisionId = (await postJson(app, "/decide", DECIDE_BODY)).json().metadata.decision_id;
    await engine.close();
    const answer = await postJson(app, "/feedback", { decision_id: decisionId, ...OUTCOME });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual(SHUTTING_DOWN);
  });
});
