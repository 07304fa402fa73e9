import { RoutingEngine } from "@aurora/engine";
import { afterEach, describe, expect, it } from "vitest";
import { PsiFieldStandIn } from "./psi-field-stand-in.js";
import { psiFieldState } from "./psi-script.js";

/** The keys of the real Ψ-Field service's `GET /state`, as SPEC lists them. */
const REAL_STATE_KEYS = ["C", "H", "M", "PE", "Phi", "Psi", "U", "dt_eff", "k", "timestamp"];

describe("PsiFieldStandIn", () => {
  let field: PsiFieldStandIn | undefined;
  afterEach(async () => {
    await field?.close();
    field = undefined;
  });

  it("answers GET /state in the real service's shape: those ten keys, numbers and an ISO timestamp", async () => {
    field = await PsiFieldStandIn.start({ state: psiFieldState(0.9, 0) });
    const response = await fetch(`${field.url}/state`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(REAL_STATE_KEYS);
    for (const key of REAL_STATE_KEYS.filter((k) => k !== "timestamp")) expect(typeof body[key]).toBe("number");
    expect(new Date(body.timestamp as string).toISOString()).toBe(body.timestamp);
    expect(body).toEqual(psiFieldState(0.9, 0));
    expect(field.stateRequests).toBe(1);
  });

  it("answers what it was last set to", async () => {
    field = await PsiFieldStandIn.start({ state: psiFieldState(0.9, 0) });
    field.set(psiFieldState(0.2, 7));
    const body = (await (await fetch(`${field.url}/state`)).json()) as Record<string, unknown>;
    expect(body.Psi).toBe(0.2);
    expect(field.state.Psi).toBe(0.2);
  });

  it("is read by the engine's Ψ client as a live density", async () => {
    field = await PsiFieldStandIn.start({ state: psiFieldState(0.2, 0) });
    const engine = new RoutingEngine({ psiFieldUrl: field.url, psiTimeoutMs: 5000, autoSave: false });
    try {
      expect(await engine.fetchPsiMetrics()).toEqual({ density: 0.2, coherence: 0.34, entropy: 0.84, source: "live" });
    } finally {
      await engine.close();
    }
  });

  it("answers GET /health with ok", async () => {
    field = await PsiFieldStandIn.start({ state: psiFieldState(0.9, 0) });
    const response = await fetch(`${field.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers 404 for the seed's /api/metrics, which the real service does not have", async () => {
    field = await PsiFieldStandIn.start({ state: psiFieldState(0.9, 0) });
    const response = await fetch(`${field.url}/api/metrics`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: "no route /api/metrics: the Ψ-Field stand-in answers GET /state and GET /health",
    });
  });

  it("refuses anything but GET and HEAD with 405", async () => {
    field = await PsiFieldStandIn.start({ state: psiFieldState(0.9, 0) });
    const response = await fetch(`${field.url}/state`, { method: "POST", body: "{}" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(field.stateRequests).toBe(0);
  });

  it("listens on 127.0.0.1 and a free port by default", async () => {
    field = await PsiFieldStandIn.start({ state: psiFieldState(0.9, 0) });
    expect(field.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("closes even with a keep-alive connection open", async () => {
    field = await PsiFieldStandIn.start({ state: psiFieldState(0.9, 0) });
    const { url } = field;
    await (await fetch(`${url}/state`)).text();
    await field.close();
    field = undefined;
    await expect(fetch(`${url}/state`)).rejects.toThrow();
  });
});
