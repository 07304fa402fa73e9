import type { IncomingMessage, Server } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RoutingEngine } from "@aurora/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECIDE_BODY, postJson, testApp } from "./fixtures.js";

/**
 * A Ψ-Field that accepts every connection and never answers. The engine's Ψ client refreshes
 * in the background and `decide` reads only its cache, so decisions must not wait on it.
 */
describe("a hanging Ψ-Field", () => {
  const requests: IncomingMessage[] = [];
  let psiField: Server;
  let app: ReturnType<typeof testApp>;

  beforeAll(async () => {
    psiField = createServer((request) => {
      requests.push(request);
    });
    await new Promise<void>((resolve) => psiField.listen(0, "127.0.0.1", resolve));
    const { port } = psiField.address() as AddressInfo;
    // An hour-long Ψ timeout: were decide to wait for the Ψ-Field, these tests would hang and fail.
    const engine = new RoutingEngine({ psiFieldUrl: `http://127.0.0.1:${port}`, psiTimeoutMs: 3_600_000, seed: 7 });
    app = testApp({}, { engine });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
    psiField.closeAllConnections();
    await new Promise<void>((resolve) => psiField.close(() => resolve()));
  });

  it("is asked in the background", async () => {
    await expect.poll(() => requests.length).toBeGreaterThan(0);
    expect(requests[0]!.url).toBe("/state");
  });

  it("does not hold up a decision: decide answers, with neutral Ψ and no Ψ adjustment", async () => {
    const answer = await postJson(app, "/decide", DECIDE_BODY);
    expect(answer.statusCode).toBe(200);
    expect(answer.json().metadata).toMatchObject({ psi_source: "neutral", psi_density: null, psi_adjusted: false });
  });

  it("uses Ψ metrics sent with the request instead", async () => {
    const answer = await postJson(app, "/decide", { ...DECIDE_BODY, psi_metrics: { density: 0.6 } });
    expect(answer.json().metadata).toMatchObject({ psi_source: "request", psi_density: 0.6, psi_adjusted: true });
  });

  it("is reported as unreachable by /status, /readyz and /metrics while the sidecar stays ready", async () => {
    expect((await app.inject({ method: "GET", url: "/status" })).json().psi_field_connected).toBe(false);
    const ready = await app.inject({ method: "GET", url: "/readyz" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().psi_field_connected).toBe(false);
    expect((await app.inject({ method: "GET", url: "/metrics" })).body).toContain("\naurora_psi_field_up 0\n");
  });
});
