import type { AddressInfo } from "node:net";
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

  it("refuses a reward of the caller's own with 400 naming it, learning nothing (it is computed from the outcome)", async () => {
    const sidecar = app();
    const decisionId = await decide(sidecar);
    for (const reward of [1, null, "0.5"]) {
      const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME, reward });
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toMatchObject({ error: "validation_error", field: "reward" });
      expect(answer.json().message).toContain("AURORA_REWARD_WEIGHTS");
    }
    expect(sidecar.engine.getStatus().strategist.total_rewards).toBe(0);
    // The decision still waits for its outcome.
    expect((await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME })).statusCode).toBe(200);
  });

  it("answers 404 for a decision id it never gave out", async () => {
    const answer = await postJson(app(), "/feedback", { decision_id: "no-such-decision", ...OUTCOME });
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({
      error: "unknown_decision",
      decision_id: "no-such-decision",
      message:
        'decision_id "no-such-decision" is unknown: use the metadata.decision_id returned by POST /decide, and send feedback before the decision\'s reward wait (AURORA_REWARD_WAIT_MS) runs out',
    });
    expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  describe("a decision that routed nothing (provider_id null, id none-…)", () => {
    const routedNothing =
      /^decision_id "none-[0-9a-f-]{36}" is a decision that routed nothing \(POST \/decide answered provider_id null: no provider was viable\), so there is no outcome to learn: send feedback only for decisions that named a provider$/;

    it("answers 404 unknown_decision saying there is no outcome to learn, not that decide never gave the id, over a real socket", async () => {
      const sidecar = app();
      await sidecar.listen({ port: 0, host: "127.0.0.1" });
      const base = `http://127.0.0.1:${(sidecar.server.address() as AddressInfo).port}`;
      const post = (url: string, body: unknown) =>
        fetch(`${base}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const everyProvider = DECIDE_BODY.providers.map((p) => p.provider_id);
      const decided = (await (await post("/decide", { ...DECIDE_BODY, constraints: { deny: everyProvider } })).json()) as {
        provider_id: string | null;
        metadata: { decision_id: string };
      };
      expect(decided.provider_id).toBeNull();
      const decisionId = decided.metadata.decision_id;

      const answer = await post("/feedback", { decision_id: decisionId, ...OUTCOME });
      expect(answer.status).toBe(404);
      const body = (await answer.json()) as { error: string; decision_id: string; message: string };
      expect(body).toEqual({ error: "unknown_decision", decision_id: decisionId, message: expect.stringMatching(routedNothing) });
      expect(body.message).not.toContain("use the metadata.decision_id returned by");
      expect(errorResponseSchema.safeParse(body).success).toBe(true);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('aurora_feedback_total{outcome="unknown_decision"} 1\n');
      expect(metrics).toContain('aurora_http_errors_total{route="/feedback",status="404"} 1\n');
    });

    it("says so by the none- prefix once the engine no longer holds the decision's record", async () => {
      const decisionId = "none-2dca5709-eed3-4560-ba97-275451ab3938";
      const answer = await postJson(app(), "/feedback", { decision_id: decisionId, ...OUTCOME });
      expect(answer.statusCode).toBe(404);
      expect(answer.json()).toEqual({
        error: "unknown_decision",
        decision_id: decisionId,
        message: expect.stringMatching(routedNothing),
      });
    });
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
      message: `decision_id "${decisionId}" was settled at 2025-01-01T00:01:00.001Z because its reward wait (AURORA_REWARD_WAIT_MS) had passed; this late outcome was not learned (raise AURORA_REWARD_WAIT_MS if jobs run longer)`,
    });
    expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("answers 410 saying the decision was settled early, the oldest of too many waiting, in the sidecar's terms", async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const sidecar = app({}, { engine: new RoutingEngine({ clock, maxPending: 1, seed: 7 }) });
    const first = await decide(sidecar);
    clock.advance(1_000);
    await decide(sidecar);
    const answer = await postJson(sidecar, "/feedback", { decision_id: first, ...OUTCOME });
    expect(answer.statusCode).toBe(410);
    expect(answer.json()).toEqual({
      error: "late_feedback",
      decision_id: first,
      settled_at: "2025-01-01T00:00:01.000Z",
      message: `decision_id "${first}" was settled at 2025-01-01T00:00:01.000Z, before its reward wait (AURORA_REWARD_WAIT_MS) ended, because more decisions were waiting for feedback than the sidecar holds at once and it was the oldest; this late outcome was not learned (send feedback sooner, or shorten AURORA_REWARD_WAIT_MS so that fewer decisions wait at once)`,
    });
  });

  it("answers 410 naming both causes when the engine no longer holds the decision's record", async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const sidecar = app({}, { engine: new RoutingEngine({ clock, rewardWaitMs: 60_000, maxDecisionRecords: 0, seed: 7 }) });
    const decisionId = await decide(sidecar);
    clock.advance(60_001);
    const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME });
    expect(answer.statusCode).toBe(410);
    expect(answer.json().message).toBe(
      `decision_id "${decisionId}" was settled at 2025-01-01T00:01:00.001Z because its reward wait (AURORA_REWARD_WAIT_MS) had passed, or because more decisions were waiting for feedback than the sidecar holds at once and it was the oldest; this late outcome was not learned (raise AURORA_REWARD_WAIT_MS if jobs run longer)`,
    );
    for (const engineTerm of ["rewardWaitMs", "maxPending", "settleGraceMs", "decide()"]) {
      expect(answer.json().message).not.toContain(engineTerm);
    }
  });

  it("answers 410 once AURORA_REWARD_WAIT_MS has passed, and counts it in status and metrics", async () => {
    const sidecar = app({ rewardWaitMs: 1 });
    const decisionId = await decide(sidecar);
    await new Promise((resolve) => setTimeout(resolve, 25));
    const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME });
    expect(answer.statusCode).toBe(410);
    expect(answer.json().message).toMatch(
      new RegExp(
        `^decision_id "${decisionId}" was settled at .+ because its reward wait \\(AURORA_REWARD_WAIT_MS\\) had passed; this late outcome was not learned \\(raise AURORA_REWARD_WAIT_MS if jobs run longer\\)$`,
      ),
    );
    const status = (await sidecar.inject({ method: "GET", url: "/status" })).json();
    expect(status.executor.late_feedback).toBe(1);
    expect(status.settlement).toEqual({ settled_with_default: 0, settled_dropped: 1 });
    expect(status.strategist.total_rewards).toBe(0);
    const metrics = (await sidecar.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toContain('aurora_feedback_total{outcome="late"} 1\n');
    expect(metrics).toContain('aurora_settled_decisions_total{outcome="dropped"} 1\n');
    expect(metrics).toContain('aurora_settled_decisions_total{outcome="default"} 0\n');
  });

  describe("provider_id (ranked fallbacks)", () => {
    it("learns the outcome for the alternative the router fell back to", async () => {
      const sidecar = app();
      const decided = (await postJson(sidecar, "/decide", DECIDE_BODY)).json();
      expect(decided.provider_id).toBe("akash");
      expect(decided.metadata.alternatives).toEqual([{ provider_id: "vast", estimate: 0 }]);
      const answer = await postJson(sidecar, "/feedback", {
        decision_id: decided.metadata.decision_id,
        ...OUTCOME,
        provider_id: "vast",
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ decision_id: decided.metadata.decision_id, reward: 8.28 });
      expect(sidecar.engine.getDecision(decided.metadata.decision_id)?.outcome).toMatchObject({
        provider_id: "vast",
        fallback: true,
      });
      const metrics = (await sidecar.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toContain("aurora_fallbacks_total 1\n");
    });

    it("learns the providers named in failed_before as failed jobs, counts them by provider, and shows them in the record", async () => {
      const sidecar = app();
      const decided = (await postJson(sidecar, "/decide", DECIDE_BODY)).json();
      const decisionId = decided.metadata.decision_id;
      const answer = await postJson(sidecar, "/feedback", {
        decision_id: decisionId,
        ...OUTCOME,
        provider_id: "vast",
        failed_before: ["akash"],
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ decision_id: decisionId, reward: 8.28 });
      const record = (await sidecar.inject({ method: "GET", url: `/decisions/${decisionId}` })).json();
      expect(record.outcome).toMatchObject({ provider_id: "vast", failed_before: ["akash"], fallback: true });
      const status = (await sidecar.inject({ method: "GET", url: "/status" })).json();
      expect(status.strategist.total_rewards).toBe(1);
      const metrics = (await sidecar.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toContain('aurora_failed_attempts_total{provider="akash"} 1\n');
    });

    it("refuses failed_before naming the provider the job ended on with 400 naming failed_before[0], learning nothing", async () => {
      const sidecar = app();
      const decisionId = await decide(sidecar);
      const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME, failed_before: ["akash"] });
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toMatchObject({ error: "validation_error", field: "failed_before[0]" });
      expect(answer.json().message).toMatch(/"akash" is the provider the job ended on/);
      expect(sidecar.engine.getStatus().strategist.total_rewards).toBe(0);
      expect((await sidecar.inject({ method: "GET", url: "/metrics" })).body).not.toContain("aurora_failed_attempts_total{");
    });

    it.each([
      ["providerId", "vast", "provider_id"],
      ["failedBefore", ["akash"], "failed_before"],
      ["actualCostUsd", 1, "actual_cost_usd"],
    ])(
      "refuses %s, which would be dropped and change what is learned, with 400 naming the field meant",
      async (key, value, meant) => {
        const sidecar = app();
        const decisionId = await decide(sidecar);
        const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME, [key]: value });
        expect(answer.statusCode).toBe(400);
        expect(answer.json()).toMatchObject({
          error: "validation_error",
          field: key,
          message: `${key}: is not a field of the outcome: did you mean ${meant}?`,
        });
        expect(sidecar.engine.getStatus().strategist.total_rewards).toBe(0);
      },
    );

    it("accepts provider_id naming the chosen provider, which is no fallback", async () => {
      const sidecar = app();
      const decisionId = await decide(sidecar);
      const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME, provider_id: "akash" });
      expect(answer.statusCode).toBe(200);
      expect(sidecar.engine.getDecision(decisionId)?.outcome).toMatchObject({ provider_id: "akash", fallback: false });
      expect((await sidecar.inject({ method: "GET", url: "/metrics" })).body).toContain("aurora_fallbacks_total 0\n");
    });

    it("refuses a provider that is neither the chosen one nor an alternative with 400 naming provider_id", async () => {
      const sidecar = app();
      const decisionId = await decide(sidecar);
      const answer = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME, provider_id: "render" });
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toEqual({
        error: "validation_error",
        field: "provider_id",
        message:
          'provider_id: "render" is neither the chosen provider "akash" nor one of the decision\'s 1 alternatives: report the provider the job actually ran on',
        issues: [
          {
            field: "provider_id",
            message:
              '"render" is neither the chosen provider "akash" nor one of the decision\'s 1 alternatives: report the provider the job actually ran on',
          },
        ],
      });
      expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
      expect(sidecar.engine.getStatus().strategist.total_rewards).toBe(0);
      const retried = await postJson(sidecar, "/feedback", { decision_id: decisionId, ...OUTCOME, provider_id: "vast" });
      expect(retried.statusCode).toBe(200);
    });

    it("refuses an empty provider_id with 400 naming it", async () => {
      const answer = await postJson(app(), "/feedback", { decision_id: "d", ...OUTCOME, provider_id: "" });
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toMatchObject({ field: "provider_id", message: "provider_id: must not be empty" });
    });
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

  it("counts every body it refuses before the engine sees it as invalid feedback, over a real socket", async () => {
    const sidecar = app({ bodyLimit: 1024 });
    await sidecar.listen({ port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${(sidecar.server.address() as AddressInfo).port}`;
    const metrics = async () => (await fetch(`${base}/metrics`)).text();
    expect(await metrics()).toContain('aurora_feedback_total{outcome="invalid"} 0\n');
    const send = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
      fetch(`${base}/feedback`, { method: "POST", headers, body }).then((r) => r.status);

    expect(await send("{not json")).toBe(400);
    expect(await send("")).toBe(400);
    expect(await send("decision_id=d", { "content-type": "application/x-www-form-urlencoded" })).toBe(415);
    expect(
      await send(JSON.stringify({ decision_id: "d", ...OUTCOME }), { "content-type": "application/json; charset=latin1" }),
    ).toBe(415);
    expect(await send(JSON.stringify({ decision_id: "d", ...OUTCOME, error_reason: "x".repeat(2000) }))).toBe(413);
    expect(await send(JSON.stringify({ decision_id: "d", ...OUTCOME, actual_cost_usd: -3 }))).toBe(400);

    const text = await metrics();
    expect(text).toContain('aurora_feedback_total{outcome="invalid"} 6\n');
    expect(text).toContain('aurora_feedback_total{outcome="unknown_decision"} 0\n');
    expect(text).toContain('aurora_http_errors_total{route="/feedback",status="400"} 3\n');
    expect(text).toContain('aurora_http_errors_total{route="/feedback",status="415"} 2\n');
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
