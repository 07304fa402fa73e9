import { ValidationError } from "@aurora/engine";
import { policyKinds } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { testApp, testConfig } from "../test/fixtures.js";
import { ConfigError } from "./config-error.js";
import { policyConfigError } from "./policy-config-error.js";

/** Starts an app on `overrides` and returns the error it refused to start with. */
async function startError(overrides: Parameters<typeof testConfig>[0]): Promise<unknown> {
  const app = testApp(overrides);
  const error = await app.ready().then(
    () => undefined,
    (e: unknown) => e,
  );
  await app.close().catch(() => {});
  return error;
}

describe("policyConfigError", () => {
  it("names AURORA_POLICY for an unknown bare policy name", async () => {
    const error = await startError({ policy: { kind: "ucb9" } });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe("AURORA_POLICY");
    const kinds = policyKinds.map((kind) => JSON.stringify(kind)).join(", ");
    expect((error as ConfigError).message).toBe(
      `invalid configuration: AURORA_POLICY: kind: must be one of ${kinds}, got "ucb9"`,
    );
  });

  it("names AURORA_GUARDRAIL and the field for a baseline the registry does not know", async () => {
    const error = await startError({ guardrail: { baseline: { kind: "nope" } } });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe("AURORA_GUARDRAIL");
    expect((error as ConfigError).message).toMatch(/^invalid configuration: AURORA_GUARDRAIL: baseline\.kind: must be one of /);
  });

  it("names AURORA_GUARDRAIL for a bad evidence setting", async () => {
    const error = await startError({ guardrail: { z: -1 } });
    expect((error as ConfigError).message).toBe(
      "invalid configuration: AURORA_GUARDRAIL: z: must be a number greater than 0 (1.96 for 95% bounds), got -1",
    );
  });

  it("names AURORA_POLICY, without the guardrail's policy. prefix, for a bad policy under a guardrail", async () => {
    const error = await startError({ policy: { kind: "q-learning", epsilon: 5 }, guardrail: {} });
    expect((error as ConfigError).variable).toBe("AURORA_POLICY");
    expect((error as ConfigError).message).toBe(
      "invalid configuration: AURORA_POLICY: epsilon: must be a number from 0 to 1 (the exploration rate ε), got 5",
    );
  });

  it("leaves errors about the engine's own options alone", () => {
    const error = ValidationError.forField("options.guardrail", "must be an object");
    expect(policyConfigError(error, testConfig({ guardrail: {} }))).toBeUndefined();
  });

  it("leaves policy errors alone when neither variable is set (they come from the model file)", () => {
    const error = ValidationError.forField("kind", "must be one of …");
    expect(policyConfigError(error, testConfig())).toBeUndefined();
  });

  it("leaves other errors alone", () => {
    expect(policyConfigError(new Error("disk full"), testConfig({ policy: { kind: "rule" } }))).toBeUndefined();
  });
});
