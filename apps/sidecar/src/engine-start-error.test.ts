import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RoutingEngine } from "@aurora/engine";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DECIDE_BODY, postJson, testApp, type testConfig } from "../test/fixtures.js";
import { ConfigError } from "./config-error.js";

/** Starts an app on `overrides` and returns the error it refused to start with. */
async function startError(overrides: Parameters<typeof testConfig>[0]): Promise<Error> {
  const app = testApp(overrides);
  const error = await app.ready().then(
    () => undefined,
    (e: unknown) => e,
  );
  await app.close().catch(() => {});
  if (!(error instanceof Error)) throw new Error("expected the app to refuse to start");
  return error;
}

describe("engineStartError, as the app reports a refused start", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-start-error-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A model file saved by a `kind` policy after one decision. */
  async function modelSavedBy(kind: string): Promise<string> {
    const modelPath = join(dir, `${kind}.json`);
    const engine = new RoutingEngine({ modelPath, policy: { kind } as never, seed: 1 });
    engine.decide(DECIDE_BODY);
    await engine.close();
    return modelPath;
  }

  describe("MODEL_PATH", () => {
    it("names MODEL_PATH and the file when the model in it does not load", async () => {
      const modelPath = join(dir, "e.json");
      writeFileSync(modelPath, "{}");
      const error = await startError({ modelPath });
      expect(error.message).toBe(
        `MODEL_PATH: cannot load the model ${modelPath}: epsilon: must be a number from 0 to 1 (the current exploration rate)`,
      );
      expect((error as { variable?: string }).variable).toBe("MODEL_PATH");
    });

    it("names MODEL_PATH, not AURORA_POLICY, when the model is bad and the policy variable is fine", async () => {
      const modelPath = join(dir, "e.json");
      writeFileSync(modelPath, "{}");
      const error = await startError({ modelPath, policy: { kind: "q-learning" } });
      expect(error.message).toBe(
        `MODEL_PATH: cannot load the model ${modelPath}: epsilon: must be a number from 0 to 1 (the current exploration rate)`,
      );
    });

    it("names MODEL_PATH once for a model file that is not JSON", async () => {
      const modelPath = join(dir, "torn.json");
      writeFileSync(modelPath, "{not json");
      const error = await startError({ modelPath });
      expect(error.message).toMatch(
        new RegExp(`^MODEL_PATH: model file ${modelPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not valid JSON`),
      );
    });

    it("names AURORA_POLICY and MODEL_PATH when the model was saved by another policy, and says how to switch", async () => {
      const modelPath = await modelSavedBy("lin-ucb");
      const error = await startError({ modelPath, policy: { kind: "q-learning" } });
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe("AURORA_POLICY");
      expect(error.message).toBe(
        `invalid configuration: AURORA_POLICY: does not match the model at MODEL_PATH ${modelPath}, saved by another policy (policy: is "lin-ucb", but this is the "q-learning" policy: create a "lin-ucb" policy to load it): a model goes on with the policy it was saved with, so unset AURORA_POLICY to go on with it, or set MODEL_PATH to a new file to start a new model with this policy`,
      );
    });

    it("still names AURORA_POLICY's own bad option on a model of another policy", async () => {
      const modelPath = await modelSavedBy("lin-ucb");
      const error = await startError({ modelPath, policy: { kind: "q-learning", epsilon: 7 } });
      expect(error.message).toBe(
        "invalid configuration: AURORA_POLICY: epsilon: must be a number from 0 to 1 (the exploration rate ε), got 7",
      );
    });

    it("goes on with the policy the model was saved with when AURORA_POLICY is unset", async () => {
      const app = testApp({ modelPath: await modelSavedBy("lin-ucb") });
      expect((await postJson(app, "/decide", DECIDE_BODY)).json().metadata.policy).toBe("lin-ucb");
      await app.close();
    });
  });

  describe("AURORA_DECISION_LOG", () => {
    it("names AURORA_DECISION_LOG for a log in a folder that does not exist", async () => {
      const decisionLogPath = join(dir, "missing", "decisions.jsonl");
      const error = await startError({ decisionLogPath, policy: { kind: "rule" } });
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(
        `invalid configuration: AURORA_DECISION_LOG: could not write the decision log ${decisionLogPath}: ENOENT: no such file or directory, open '${decisionLogPath}' (check the path, permissions and free space)`,
      );
    });

    it("names AURORA_DECISION_LOG, not AURORA_POLICY, for a file that is not a decision log", async () => {
      const decisionLogPath = join(dir, "other.jsonl");
      writeFileSync(decisionLogPath, '{"x":1}\n');
      const error = await startError({ decisionLogPath, policy: { kind: "rule" } });
      expect((error as ConfigError).variable).toBe("AURORA_DECISION_LOG");
      expect(error.message).toMatch(/^invalid configuration: AURORA_DECISION_LOG: .*other\.jsonl is not a decision log/);
    });
  });
});
