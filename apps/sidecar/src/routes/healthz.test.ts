import { describe, expect, it } from "vitest";
import { testApp } from "../../test/fixtures.js";

describe("GET /healthz", () => {
  it("answers 200 {status: ok} while the process serves", async () => {
    const app = testApp();
    const answer = await app.inject({ method: "GET", url: "/healthz" });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ status: "ok" });
    await app.close();
  });
});
