import { RoutingEngine } from "@aurora/engine";
import { afterEach, describe, expect, it } from "vitest";
import { CONTEXT, DECIDE_BODY, PROVIDERS, postJson, tenProviders, testApp, testConfig } from "../../test/fixtures.js";
import { engineOptionsFrom } from "../engine-plugin.js";
import { decideResponseSchema, errorResponseSchema } from "../response-schemas.js";

describe("POST /decide", () => {
  const apps: ReturnType<typeof testApp>[] = [];
  const app = (...args: Parameters<typeof testApp>) => {
    const built = testApp(...args);
    apps.push(built);
    return built;
  };
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it("answers 200 with exactly the choice and metadata of the engine, decision id aside", async () => {
    const twin = new RoutingEngine(engineOptionsFrom(testConfig()));
    const expected = [twin.decide(DECIDE_BODY), twin.decide({ context: CONTEXT, providers: tenProviders() })];
    await twin.close();

    const sidecar = app();
    const answers = [
      await postJson(sidecar, "/decide", DECIDE_BODY),
      await postJson(sidecar, "/decide", { context: CONTEXT, providers: tenProviders() }),
    ];
    for (const [i, answer] of answers.entries()) {
      expect(answer.statusCode).toBe(200);
      expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
      const body = answer.json();
      expect(decideResponseSchema.safeParse(body).success).toBe(true);
      expect(body.metadata.decision_id).toMatch(/^[0-9a-f-]{36}$/);
      expect({ ...body, metadata: { ...body.metadata, decision_id: "x" } }).toEqual({
        ...expected[i],
        metadata: { ...expected[i]!.metadata, decision_id: "x" },
      });
    }
  });

  it("returns provider_id null with metadata.reason when no provider is viable", async () => {
    const answer = await postJson(app({ strictAudit: true }), "/decide", { ...DECIDE_BODY, constraints: { max_price: 0.5 } });
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    expect(body.provider_id).toBeNull();
    expect(body.metadata).toMatchObject({
      mode: "none",
      reason: "strict audit: all 3 remaining provider(s) violate the constraints",
      validated: false,
    });
    expect(decideResponseSchema.safeParse(body).success).toBe(true);
  });

  it("explains every candidate when explain is true", async () => {
    const answer = await postJson(app(), "/decide", { ...DECIDE_BODY, explain: true });
    expect(answer.statusCode).toBe(200);
    const body = answer.json();
    expect(decideResponseSchema.safeParse(body).success).toBe(true);
    const candidates = body.metadata.candidates as { provider_id: string; status: string; violations: string[] }[];
    expect(candidates.map((c) => c.provider_id).sort()).toEqual(["akash", "render", "vast"]);
    expect(candidates.find((c) => c.provider_id === body.provider_id)?.status).toBe("chosen");
    expect(candidates.find((c) => c.provider_id === "render")).toMatchObject({
      status: "violated_constraint",
      violations: ["price_exceeded"],
    });
    // Rank's probability for every action: the chosen one's is the decision's, the rest add up to 1.
    const odds = new Map(candidates.map((c) => [c.provider_id, (c as { probability?: number }).probability]));
    expect(odds.get(body.provider_id)).toBe(body.metadata.probability);
    expect(odds.get("render")).toBe(0);
    expect((odds.get("akash") as number) + (odds.get("vast") as number)).toBeCloseTo(1, 12);
  });

  describe("constraints allow, deny and max_cost_usd", () => {
    it("chooses only among the providers in allow", async () => {
      const answer = await postJson(app(), "/decide", {
        context: CONTEXT,
        providers: PROVIDERS,
        constraints: { allow: ["render"] },
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.json().provider_id).toBe("render");
      expect(answer.json().metadata.alternatives).toEqual([]);
    });

    it("never chooses a provider in deny, nor offers it as an alternative", async () => {
      const answer = await postJson(app(), "/decide", {
        context: CONTEXT,
        providers: PROVIDERS,
        constraints: { deny: ["akash"] },
        explain: true,
      });
      const body = answer.json();
      expect(body.provider_id).toBe("vast");
      expect(body.metadata.alternatives.map((a: { provider_id: string }) => a.provider_id)).toEqual(["render"]);
      expect(body.metadata.candidates.find((c: { provider_id: string }) => c.provider_id === "akash")).toMatchObject({
        status: "excluded",
        reason: "excluded by constraints.deny",
      });
    });

    it("keeps a job within max_cost_usd (price × gpu_hours) while a provider can", async () => {
      // gpu_hours 2: akash 5.0, vast 3.8, render 6.8 USD.
      const answer = await postJson(app(), "/decide", {
        context: CONTEXT,
        providers: PROVIDERS,
        constraints: { max_cost_usd: 4 },
      });
      expect(answer.json()).toMatchObject({
        provider_id: "vast",
        metadata: { validated: true, violations: [], compliant_count: 1 },
      });
    });

    it("refuses a provider in both allow and deny with 400 naming constraints.deny[i]", async () => {
      const answer = await postJson(app(), "/decide", {
        context: CONTEXT,
        providers: PROVIDERS,
        constraints: { allow: ["vast", "akash"], deny: ["render", "akash"] },
      });
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toEqual({
        error: "validation_error",
        field: "constraints.deny[1]",
        message: 'constraints.deny[1]: provider "akash" is in both allow and deny: remove it from one of them',
        issues: [
          { field: "constraints.deny[1]", message: 'provider "akash" is in both allow and deny: remove it from one of them' },
        ],
      });
      expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
    });

    it("refuses an empty id in allow with 400 naming it", async () => {
      const answer = await postJson(app(), "/decide", {
        context: CONTEXT,
        providers: PROVIDERS,
        constraints: { allow: ["akash", ""] },
      });
      expect(answer.statusCode).toBe(400);
      expect(answer.json()).toMatchObject({ field: "constraints.allow[1]", message: "constraints.allow[1]: must not be empty" });
    });
  });

  describe("with AURORA_GUARDRAIL=rule", () => {
    // Alike but for price, latency and reputation: the rule router prefers vast, untrained Q-learning the first.
    const providers = ["akash", "vast", "render"].map((provider_id) => {
      const { capacity_available: _unlimited, ...rest } = PROVIDERS.find((p) => p.provider_id === provider_id)!;
      return { ...rest, gpu_types: ["a100"], regions: ["us-west"] };
    });

    it("plays the rule baseline's pick, with mode baseline, while the evidence does not trust the policy", async () => {
      const sidecar = app({ guardrail: { baseline: { kind: "rule" } } });
      const answer = await postJson(sidecar, "/decide", { context: CONTEXT, providers });
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toMatchObject({
        provider_id: "vast",
        metadata: { mode: "baseline", policy: "guardrail", arm: "baseline" },
      });
      expect(decideResponseSchema.safeParse(answer.json()).success).toBe(true);
    });
  });

  it("names the offending field in a 400", async () => {
    const providers = PROVIDERS.map((p, i) => (i === 1 ? { ...p, price_usd_per_hour: -1 } : p));
    const answer = await postJson(app(), "/decide", { ...DECIDE_BODY, providers });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      error: "validation_error",
      field: "providers[1].price_usd_per_hour",
      message: "providers[1].price_usd_per_hour: must be ≥ 0 (USD per GPU hour)",
      issues: [{ field: "providers[1].price_usd_per_hour", message: "must be ≥ 0 (USD per GPU hour)" }],
    });
    expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("refuses a repeated provider id, naming the second one", async () => {
    const answer = await postJson(app(), "/decide", { ...DECIDE_BODY, providers: [PROVIDERS[0], PROVIDERS[0]] });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({
      field: "providers[1].provider_id",
      message: 'providers[1].provider_id: duplicate provider_id "akash": each candidate must appear once',
    });
  });

  it("refuses a body that is not an object, naming the root", async () => {
    const answer = await postJson(app(), "/decide", [1, 2]);
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({ error: "validation_error", field: "(root)" });
  });

  it("treats __proto__ and constructor as ordinary provider ids", async () => {
    const providers = [
      { ...PROVIDERS[0]!, provider_id: "__proto__" },
      { ...PROVIDERS[1]!, provider_id: "constructor" },
    ];
    const answer = await postJson(app(), "/decide", { context: CONTEXT, providers });
    expect(answer.statusCode).toBe(200);
    expect(["__proto__", "constructor"]).toContain(answer.json().provider_id);
  });

  it("ignores a __proto__ key in the body, refuses one in constraints, and pollutes no prototype", async () => {
    const body = (constraints: string) =>
      `{"__proto__":{"polluted":true},"context":${JSON.stringify(CONTEXT)},"providers":${JSON.stringify(PROVIDERS)},"constraints":${constraints}}`;
    const send = (payload: string) =>
      app().inject({ method: "POST", url: "/decide", payload, headers: { "content-type": "application/json" } });
    const answer = await send(body("{}"));
    expect(answer.statusCode).toBe(200);
    expect(answer.json().metadata.violations).toEqual([]);
    // In constraints every key must be a known constraint: "__proto__" is not one (never a prototype).
    const refused = await send(body('{"__proto__":{"max_price":0}}'));
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: "validation_error", field: "constraints" });
    expect(refused.json().message).toContain('unknown constraint "__proto__"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
