import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECIDE_BODY, OUTCOME, testApp } from "./fixtures.js";

describe("the sidecar over a real socket", () => {
  const app = testApp({ apiToken: "over-the-wire" });
  let base: string;
  const headers = { "content-type": "application/json", authorization: "Bearer over-the-wire" };

  beforeAll(async () => {
    await app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it("decides, takes the feedback once, and refuses it the second time", async () => {
    const decided = await fetch(`${base}/decide`, { method: "POST", headers, body: JSON.stringify(DECIDE_BODY) });
    expect(decided.status).toBe(200);
    const { provider_id, metadata } = (await decided.json()) as { provider_id: string; metadata: { decision_id: string } };
    expect(["akash", "vast", "render"]).toContain(provider_id);

    const feedback = JSON.stringify({ decision_id: metadata.decision_id, ...OUTCOME });
    const learned = await fetch(`${base}/feedback`, { method: "POST", headers, body: feedback });
    expect(learned.status).toBe(200);
    expect(await learned.json()).toEqual({ decision_id: metadata.decision_id, reward: 8.28 });

    const again = await fetch(`${base}/feedback`, { method: "POST", headers, body: feedback });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toBe("duplicate_feedback");
  });

  it("answers the probes without a token and guards the rest", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/status`)).status).toBe(401);
    const metrics = await fetch(`${base}/metrics`, { headers });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('aurora_feedback_total{outcome="duplicate"} 1');
  });

  it("answers 413 to a body over BODY_LIMIT sent over the wire", async () => {
    const huge = JSON.stringify({ ...DECIDE_BODY, padding: "x".repeat(2 * 1024 * 1024) });
    const answer = await fetch(`${base}/decide`, { method: "POST", headers, body: huge });
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as { error: string }).error).toBe("body_too_large");
  });
});
