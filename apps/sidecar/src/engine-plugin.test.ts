import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RoutingEngine } from "@aurora/engine";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { capturingLogger, startupLog } from "../test/capturing-logger.js";
import { PREVIOUS_VERSION_NOTE, writeDamagedModel } from "../test/damaged-model.js";
import { DECIDE_BODY, postJson, testApp, testConfig } from "../test/fixtures.js";
import { ConfigError } from "./config-error.js";
import { engineOptionsFrom } from "./engine-plugin.js";

describe("engineOptionsFrom", () => {
  it("passes the configured options and leaves unset ones to the engine's defaults", () => {
    expect(engineOptionsFrom(testConfig({ seed: undefined }))).toEqual({ strictAudit: false, autoSave: true, saveEvery: 10 });
  });

  it("maps every engine variable", () => {
    expect(
      engineOptionsFrom(
        testConfig({
          psiFieldUrl: "http://psi:9091",
          psiTimeoutMs: 100,
          psiTtlMs: 1000,
          modelPath: "/m.json",
          decisionLogPath: "/decisions.jsonl",
          auditRetention: { maxAgeMs: 86_400_000 },
          strictAudit: true,
          autoSave: false,
          saveEvery: 3,
          rewardWaitMs: 5000,
          defaultReward: -1,
          alternatives: 0,
          seed: 9,
          policy: { kind: "rule" },
          guardrail: { baseline: { kind: "rule" } },
        }),
      ),
    ).toEqual({
      psiFieldUrl: "http://psi:9091",
      psiTimeoutMs: 100,
      psiTtlMs: 1000,
      modelPath: "/m.json",
      decisionLogPath: "/decisions.jsonl",
      auditRetention: { maxAgeMs: 86_400_000 },
      strictAudit: true,
      autoSave: false,
      saveEvery: 3,
      rewardWaitMs: 5000,
      defaultReward: -1,
      alternatives: 0,
      seed: 9,
      policy: { kind: "rule" },
      guardrail: { baseline: { kind: "rule" } },
    });
  });
});

describe("engine-plugin", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-engine-plugin-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("builds the engine with the policy AURORA_POLICY names", async () => {
    const app = testApp({ policy: { kind: "rule" } });
    const answer = await postJson(app, "/decide", DECIDE_BODY);
    expect(answer.json().metadata.policy).toBe("rule");
    await app.close();
  });

  it("computes rewards with the weights AURORA_REWARD_WEIGHTS gives", async () => {
    const app = testApp({ rewardWeights: { failure_reward: -5, cost: 2 } });
    const decide = async () => (await postJson(app, "/decide", DECIDE_BODY)).json().metadata.decision_id as string;
    const failed = await postJson(app, "/feedback", {
      decision_id: await decide(),
      success: false,
      actual_cost_usd: 1,
      actual_latency_ms: 50,
    });
    expect(failed.json().reward).toBe(-5);
    const succeeded = await postJson(app, "/feedback", {
      decision_id: await decide(),
      success: true,
      actual_cost_usd: 3,
      actual_latency_ms: 500,
      actual_reputation: 100,
    });
    expect(succeeded.json().reward).toBe(10 - 2 * 3 - 500 / 500 + 100 / 100);
    await app.close();
  });

  it("gives the learning policy the weights AURORA_REWARD_WEIGHTS gives, at every level of a composite", async () => {
    const weights = { failure_reward: -5, cost: 10 };
    const estimates = async (config: Parameters<typeof testApp>[0]) => {
      const app = testApp(config);
      const answer = await postJson(app, "/decide", { ...DECIDE_BODY, explain: true });
      await app.close();
      const { candidates } = answer.json().metadata as { candidates: { provider_id: string; estimate: number }[] };
      return candidates.map((candidate) => [candidate.provider_id, candidate.estimate]);
    };
    const split = (policy: Record<string, unknown>) => ({
      kind: "ab",
      arms: [
        { name: "a", share: 0.5, policy },
        { name: "b", share: 0.5, policy },
      ],
    });
    const cases = [
      [{ kind: "ucb1" }, { kind: "ucb1", rewardWeights: weights }],
      [{ kind: "lin-ucb" }, { kind: "lin-ucb", rewardWeights: weights }],
      [split({ kind: "softmax" }), split({ kind: "softmax", rewardWeights: weights })],
    ];
    for (const [bare, weighted] of cases) {
      const given = await estimates({ policy: bare as never, rewardWeights: weights });
      // As if the policy's config named the same weights; not as with the SPEC's.
      expect(given).toEqual(await estimates({ policy: weighted as never, rewardWeights: weights }));
      expect(given).not.toEqual(await estimates({ policy: bare as never }));
    }
  });

  it("refuses to start on a policy config the engine rejects, naming AURORA_POLICY and the field", async () => {
    const app = testApp({ policy: { kind: "q-learning", epsilon: 7 } });
    const error = await app.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe("AURORA_POLICY");
    expect((error as ConfigError).message).toBe(
      "invalid configuration: AURORA_POLICY: epsilon: must be a number from 0 to 1 (the exploration rate ε), got 7",
    );
  });

  it("logs the engine's notes as JSON at warn: a damaged model file, started from model.json.prev", async () => {
    const modelPath = join(dir, "model.json");
    await writeDamagedModel(modelPath);
    const { lines, consoleCalls } = await startupLog((logger) => testApp({ modelPath }, { logger }));
    expect(consoleCalls).toEqual([]);
    expect(lines.filter((line) => line.level === 40)).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(PREVIOUS_VERSION_NOTE) }),
    ]);
  });

  it("decorates the app with the engine it is given", async () => {
    const engine = new RoutingEngine({ seed: 3 });
    const app = testApp({}, { engine });
    await app.ready();
    expect(app.engine).toBe(engine);
    await app.close();
  });

  it("closes the engine when the app closes, which writes the model to MODEL_PATH", async () => {
    const modelPath = join(dir, "model.json");
    const app = testApp({ modelPath });
    await postJson(app, "/decide", DECIDE_BODY);
    expect(existsSync(modelPath)).toBe(false);
    await app.close();
    const model = JSON.parse(readFileSync(modelPath, "utf8"));
    expect(model.pending).toHaveLength(1);
    expect(model.decision_count).toBe(1);
    expect(() => app.engine.decide(DECIDE_BODY)).toThrow();
  });

  it("logs an error naming MODEL_PATH when the app starts and the model cannot be written", async () => {
    const lines: Record<string, unknown>[] = [];
    const modelPath = join(dir, "missing", "model.json");
    const app = testApp({ modelPath }, { logger: capturingLogger(lines) });
    await app.ready();
    const errors = lines.filter((line) => line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      model_path: modelPath,
      msg: `MODEL_PATH ${modelPath} is not writable (ENOENT in ${join(dir, "missing")}): create the folder, fix its permissions or point MODEL_PATH elsewhere; /readyz answers 503 until it is`,
    });
    await expect(app.close()).rejects.toThrow();
  });

  it("says at start that the model stays in memory without MODEL_PATH", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = testApp({}, { logger: capturingLogger(lines) });
    await app.ready();
    expect(lines.map((line) => line.msg)).toContain("MODEL_PATH is not set: the model lives in memory only and is lost at exit");
    await app.close();
  });

  it("warns at start when AURORA_AUDIT_MAX_BYTES is below the audit segment size, saying what is kept", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = testApp(
      { modelPath: join(dir, "model.json"), auditRetention: { maxBytes: 1024 } },
      { logger: capturingLogger(lines) },
    );
    await app.ready();
    expect(lines.filter((line) => line.level === 40)).toEqual([
      expect.objectContaining({
        audit_max_bytes: 1024,
        audit_segment_bytes: 67_108_864,
        msg: "AURORA_AUDIT_MAX_BYTES is 1024 bytes, less than one audit segment (64 MiB): retention removes whole segments, never the one being written, so the audit trail beside MODEL_PATH keeps its current segment, up to 64 MiB, and each older one is removed when the next starts",
      }),
    ]);
    await app.close();
  });

  it("does not warn when AURORA_AUDIT_MAX_BYTES holds at least one segment", async () => {
    const lines: Record<string, unknown>[] = [];
    const retention = { maxBytes: 64 * 1024 * 1024, maxAgeMs: 86_400_000 };
    const app = testApp({ modelPath: join(dir, "model.json"), auditRetention: retention }, { logger: capturingLogger(lines) });
    await app.ready();
    expect(lines.filter((line) => line.level === 40)).toEqual([]);
    await app.close();
  });
});
