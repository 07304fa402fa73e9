import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock, RoutingEngine } from "@aurora/engine";
import { afterEach, describe, expect, it } from "vitest";
import { DECIDE_BODY, OUTCOME, PROVIDERS, postJson, testApp } from "../test/fixtures.js";
import { parseExposition } from "../test/prometheus-text.js";

describe("metrics-plugin", () => {
  let app: ReturnType<typeof testApp>;
  afterEach(async () => {
    await app.close();
  });

  it("serves Prometheus text at GET /metrics", async () => {
    app = testApp();
    const answer = await app.inject({ method: "GET", url: "/metrics" });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(answer.body).toContain("# TYPE aurora_decisions_total counter");
  });

  it("lists in aurora_decisions_total's HELP every mode its decisions are labelled with, baseline included", async () => {
    // A guarded policy that always explores: the guardrail plays the rule baseline where the evidence is thin.
    app = testApp({ policy: { kind: "q-learning", epsilon: 1 }, guardrail: { baseline: { kind: "rule" } } });
    for (let i = 0; i < 40; i++) expect((await postJson(app, "/decide", DECIDE_BODY)).statusCode).toBe(200);
    const everyProvider = PROVIDERS.map((p) => p.provider_id);
    expect((await postJson(app, "/decide", { ...DECIDE_BODY, constraints: { deny: everyProvider } })).json().metadata.mode).toBe(
      "none",
    );
    const unguarded = testApp({ policy: { kind: "q-learning", epsilon: 0 } });
    expect((await postJson(unguarded, "/decide", DECIDE_BODY)).json().metadata.mode).toBe("exploit");
    const scrapes = [
      (await app.inject({ method: "GET", url: "/metrics" })).body,
      (await unguarded.inject({ method: "GET", url: "/metrics" })).body,
    ];
    await unguarded.close();
    const modes = new Set(
      scrapes.flatMap((text) =>
        parseExposition(text)
          .filter((sample) => sample.name === "aurora_decisions_total")
          .map((sample) => sample.labels.mode),
      ),
    );
    expect([...modes].sort()).toEqual(["baseline", "exploit", "explore", "none"]);
    const help = scrapes[0]!.split("\n").find((line) => line.startsWith("# HELP aurora_decisions_total "));
    for (const mode of modes) expect(help).toMatch(new RegExp(`\\b${mode}\\b`));
  });

  it("scrapes two provider ids that are lone surrogates as two distinct, valid series, over a real socket", async () => {
    app = testApp();
    await app.listen({ port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const [template] = PROVIDERS;
    for (const providerId of ["\ud800", "\udc00", "\udc00"]) {
      // JSON.stringify writes a lone surrogate as the escape \ud800, which JSON allows.
      const body = JSON.stringify({ ...DECIDE_BODY, providers: [{ ...template, provider_id: providerId }] });
      const answer = await fetch(`${base}/decide`, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { provider_id: string }).provider_id).toBe(providerId);
    }
    const scraped = await (await fetch(`${base}/metrics`)).text();
    expect(scraped).not.toContain("\ufffd");
    // parseExposition also fails on a series given twice (two providers both labelled "\ufffd", say).
    const byProvider = new Map<string | undefined, number>();
    for (const sample of parseExposition(scraped).filter((s) => s.name === "aurora_decisions_total")) {
      byProvider.set(sample.labels.provider, (byProvider.get(sample.labels.provider) ?? 0) + sample.value);
    }
    expect(Object.fromEntries(byProvider)).toEqual({ "\\uD800": 1, "\\uDC00": 2 });
  });

  it("counts decisions and feedback and reads the engine's gauges at each scrape", async () => {
    app = testApp();
    const first = (await postJson(app, "/decide", DECIDE_BODY)).json();
    const second = (await postJson(app, "/decide", DECIDE_BODY)).json();
    await postJson(app, "/feedback", { decision_id: first.metadata.decision_id, ...OUTCOME });
    await postJson(app, "/feedback", { decision_id: first.metadata.decision_id, ...OUTCOME });
    await postJson(app, "/feedback", { decision_id: "unknown", ...OUTCOME });
    await postJson(app, "/feedback", { decision_id: second.metadata.decision_id, success: "yes" });

    const text = (await app.inject({ method: "GET", url: "/metrics" })).body;
    const decisions = new Map<string, number>();
    for (const r of [first, second]) {
      const key = `aurora_decisions_total{provider="${r.provider_id}",mode="${r.metadata.mode}"}`;
      decisions.set(key, (decisions.get(key) ?? 0) + 1);
    }
    for (const [line, count] of decisions) expect(text).toContain(`${line} ${count}\n`);
    expect(text).toContain("aurora_decision_duration_seconds_count 2\n");
    expect(text).toContain('aurora_feedback_total{outcome="success"} 1\n');
    expect(text).toContain('aurora_feedback_total{outcome="duplicate"} 1\n');
    expect(text).toContain('aurora_feedback_total{outcome="unknown_decision"} 1\n');
    expect(text).toContain('aurora_feedback_total{outcome="invalid"} 1\n');
    expect(text).toContain("aurora_reward_sum 8.28\n");
    expect(text).toContain("aurora_reward_count 1\n");
    const status = app.engine.getStatus();
    expect(text).toContain(`aurora_epsilon ${status.strategist.epsilon}\n`);
    expect(text).toContain("aurora_q_states 1\n");
    expect(text).toContain("aurora_pending_feedback 1\n");
    expect(text).toContain("aurora_psi_field_up 0\n");
    expect(text).toContain("aurora_model_save_failed 0\n");
  });

  it("counts AURORA_DECISION_LOG's lines written and lost, and says when a write failed, in /metrics and /status", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-metrics-"));
    try {
      const path = join(dir, "decisions.jsonl");
      app = testApp({ decisionLogPath: path });
      const decided = [0, 1, 2].map(async () => (await postJson(app, "/decide", DECIDE_BODY)).json().metadata.decision_id);
      const [first, second] = await Promise.all(decided);
      expect((await postJson(app, "/feedback", { decision_id: first, ...OUTCOME })).statusCode).toBe(200);
      await app.engine.decisionLog?.flush();
      const lines = (text: string) =>
        Object.fromEntries(
          parseExposition(text)
            .filter((sample) => sample.name === "aurora_decision_log_lines_total")
            .map((sample) => [sample.labels.result, sample.value]),
        );
      let text = (await app.inject({ method: "GET", url: "/metrics" })).body;
      expect(lines(text)).toEqual({ written: 1, dropped: 0, forgotten: 0, unconfirmed: 0, elsewhere: 0, unclaimed: 0 });
      expect(text).toContain("aurora_decision_log_write_failed 0\n");

      // The log's path becomes a folder: the next write fails, and its line is lost.
      rmSync(path);
      mkdirSync(path);
      expect((await postJson(app, "/feedback", { decision_id: second, ...OUTCOME })).statusCode).toBe(200);
      await expect(app.engine.decisionLog?.flush()).rejects.toMatchObject({ name: "DecisionLogWriteError" });
      text = (await app.inject({ method: "GET", url: "/metrics" })).body;
      expect(lines(text)).toEqual({ written: 1, dropped: 1, forgotten: 0, unconfirmed: 0, elsewhere: 0, unclaimed: 0 });
      expect(text).toContain("aurora_decision_log_write_failed 1\n");
      const status = (await app.inject({ method: "GET", url: "/status" })).json();
      expect(status.decision_log).toMatchObject({
        path,
        written: 1,
        dropped: 1,
        pending: 1,
        last_error: expect.stringContaining(path),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has no decision log series, and /status a null decision_log, without AURORA_DECISION_LOG", async () => {
    app = testApp();
    expect((await app.inject({ method: "GET", url: "/metrics" })).body).not.toContain("aurora_decision_log");
    expect((await app.inject({ method: "GET", url: "/status" })).json().decision_log).toBeNull();
  });

  it("counts decisions settled with the default reward from the engine's status at each scrape", async () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    app = testApp({}, { engine: new RoutingEngine({ clock, seed: 7, rewardWaitMs: 60_000, defaultReward: -1 }) });
    await postJson(app, "/decide", DECIDE_BODY);
    await postJson(app, "/decide", DECIDE_BODY);
    clock.advance(60_001);
    const text = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(text).toContain('aurora_settled_decisions_total{outcome="default"} 2\n');
    expect(text).toContain('aurora_settled_decisions_total{outcome="dropped"} 0\n');
    expect(text).toContain("aurora_pending_feedback 0\n");
    const again = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(again).toContain('aurora_settled_decisions_total{outcome="default"} 2\n');
  });

  it("counts settlements from 0 after a restart, though the engine's totals go on from its snapshot", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-metrics-"));
    try {
      const clock = new ManualClock(Date.UTC(2025, 0, 1));
      const options = { modelPath: join(dir, "model.json"), clock, seed: 7, rewardWaitMs: 60_000, defaultReward: -1 };
      const first = new RoutingEngine(options);
      for (let i = 0; i < 3; i++) first.decide(DECIDE_BODY);
      clock.advance(60_001);
      expect(first.getStatus().settlement.settled_with_default).toBe(3);
      await first.close();

      const restarted = new RoutingEngine(options);
      expect(restarted.settlementTotals.settled_with_default).toBe(3);
      app = testApp({}, { engine: restarted });
      await postJson(app, "/decide", DECIDE_BODY);
      const text = (await app.inject({ method: "GET", url: "/metrics" })).body;
      // A Prometheus counter restarts at 0 with its process: a jump to 3 would read as 3 new settlements.
      expect(text).toContain('aurora_settled_decisions_total{outcome="default"} 0\n');
      clock.advance(60_001);
      const later = (await app.inject({ method: "GET", url: "/metrics" })).body;
      expect(later).toContain('aurora_settled_decisions_total{outcome="default"} 1\n');
      expect(restarted.getStatus().settlement.settled_with_default).toBe(4);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
