import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DECIDE_BODY, postJson, testApp } from "../../test/fixtures.js";
import { auditResponseSchema } from "../response-schemas.js";

describe("GET /audit", () => {
  let app: ReturnType<typeof testApp>;
  let ids: string[];
  beforeEach(async () => {
    app = testApp();
    ids = [];
    for (let i = 0; i < 3; i++) ids.push((await postJson(app, "/decide", DECIDE_BODY)).json().metadata.decision_id);
  });
  afterEach(async () => {
    await app.close();
  });

  it("answers the newest entries first, one per decision", async () => {
    const answer = await app.inject({ method: "GET", url: "/audit" });
    expect(answer.statusCode).toBe(200);
    const { entries } = answer.json();
    expect(entries.map((e: { decision_id: string }) => e.decision_id)).toEqual([...ids].reverse());
    expect(entries[0]).toMatchObject({ state_key: "llm_inference:a100:us-west", status: "approved", violations: [] });
    expect(auditResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("answers at most limit entries", async () => {
    const answer = await app.inject({ method: "GET", url: "/audit?limit=1" });
    expect(answer.json().entries.map((e: { decision_id: string }) => e.decision_id)).toEqual([ids[2]]);
  });

  it("answers the entries of one decision with decision_id", async () => {
    const answer = await app.inject({ method: "GET", url: `/audit?decision_id=${ids[0]}` });
    expect(answer.json().entries.map((e: { decision_id: string }) => e.decision_id)).toEqual([ids[0]]);
  });

  it("answers no entries for an unknown decision_id", async () => {
    const answer = await app.inject({ method: "GET", url: "/audit?decision_id=__proto__" });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ entries: [] });
  });

  it.each([
    ["limit=abc", "limit", "limit: must be a whole number from 0 to 10000"],
    ["limit=-1", "limit", "limit: must be a whole number from 0 to 10000"],
    ["limit=10001", "limit", "limit: must be a whole number from 0 to 10000"],
    ["limit=1&limit=2", "limit", "limit: must be a whole number from 0 to 10000 (given once)"],
    ["decision_id=", "decision_id", "decision_id: must not be empty"],
  ])("refuses ?%s with 400 naming %s", async (query, field, message) => {
    const answer = await app.inject({ method: "GET", url: `/audit?${query}` });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({ error: "validation_error", field, message });
  });

  it.each(["decisionId=x", "decision_id[]=x", "limit[a]=1", "offset=5"])(
    "refuses ?%s, a parameter it does not take, with 400, rather than answer the unfiltered trail",
    async (query) => {
      const answer = await app.inject({ method: "GET", url: `/audit?${query}` });
      expect(answer.statusCode).toBe(400);
      expect(answer.json().error).toBe("validation_error");
    },
  );
});
