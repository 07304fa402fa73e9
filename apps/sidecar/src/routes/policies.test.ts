import { policyCatalog, policyKinds } from "@aurora/strategist";
import { afterEach, describe, expect, it } from "vitest";
import { testApp } from "../../test/fixtures.js";
import { policiesResponseSchema } from "../response-schemas.js";

describe("GET /policies", () => {
  let app: ReturnType<typeof testApp>;
  afterEach(async () => {
    await app.close();
  });

  it("lists every kind of the strategist's registry, described from its catalog, and the policy in use", async () => {
    app = testApp();
    const answer = await app.inject({ method: "GET", url: "/policies" });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({
      policies: policyKinds.map((kind) =>
        Object.hasOwn(policyCatalog, kind)
          ? { kind, description: policyCatalog[kind]?.description, defaults: policyCatalog[kind]?.defaults }
          : { kind },
      ),
      active: "q-learning",
    });
    expect(answer.json().policies[0]).toEqual({
      kind: "q-learning",
      description: policyCatalog["q-learning"]?.description,
      defaults: {
        epsilon: 0.1,
        epsilonDecay: 0.995,
        epsilonMin: 0.01,
        alpha: 0.1,
        gamma: 0.95,
        initialQ: 0,
        maxProviders: 10_000,
      },
    });
    expect(answer.json().policies.map((p: { kind: string }) => p.kind)).toEqual(
      expect.arrayContaining(["q-learning", "ucb1", "rule", "guardrail"]),
    );
    expect(policiesResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("names the policy AURORA_POLICY chose as active", async () => {
    app = testApp({ policy: { kind: "rule" } });
    expect((await app.inject({ method: "GET", url: "/policies" })).json().active).toBe("rule");
  });

  it("names the guardrail as active when AURORA_GUARDRAIL is on", async () => {
    app = testApp({ guardrail: { baseline: { kind: "rule" } } });
    expect((await app.inject({ method: "GET", url: "/policies" })).json().active).toBe("guardrail");
  });

  it("needs the bearer token like every other route", async () => {
    app = testApp({ apiToken: "t0ken" });
    expect((await app.inject({ method: "GET", url: "/policies" })).statusCode).toBe(401);
    const answer = await app.inject({ method: "GET", url: "/policies", headers: { authorization: "Bearer t0ken" } });
    expect(answer.statusCode).toBe(200);
  });
});
