import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECIDE_BODY, postJson, testApp } from "../test/fixtures.js";

describe("auth-plugin", () => {
  describe("with AURORA_API_TOKEN set", () => {
    const app = testApp({ apiToken: "s3cret-token" });
    beforeAll(() => app.ready());
    afterAll(() => app.close());

    it("refuses a request without Authorization with 401, a WWW-Authenticate header and a message", async () => {
      const answer = await postJson(app, "/decide", DECIDE_BODY);
      expect(answer.statusCode).toBe(401);
      expect(answer.headers["www-authenticate"]).toBe('Bearer realm="aurora"');
      expect(answer.json()).toEqual({
        error: "unauthorized",
        message: "this route needs the header Authorization: Bearer <token>, with the token set in AURORA_API_TOKEN",
      });
    });

    it.each([
      ["a wrong token", "Bearer s3cret-tokeN"],
      ["a prefix of the token", "Bearer s3cret"],
      ["the token with more after it", "Bearer s3cret-token-and-more"],
      ["another scheme", "Basic s3cret-token"],
      ["the bare token", "s3cret-token"],
      ["an empty bearer", "Bearer "],
    ])("refuses %s", async (_what, authorization) => {
      const answer = await postJson(app, "/decide", DECIDE_BODY, { authorization });
      expect(answer.statusCode).toBe(401);
      expect(answer.json().message).toBe(
        "the Authorization header does not carry the right bearer token: send Authorization: Bearer <AURORA_API_TOKEN>",
      );
    });

    it("lets the right bearer token through, whatever the scheme's case", async () => {
      expect((await postJson(app, "/decide", DECIDE_BODY, { authorization: "Bearer s3cret-token" })).statusCode).toBe(200);
      expect((await postJson(app, "/decide", DECIDE_BODY, { authorization: "bearer s3cret-token" })).statusCode).toBe(200);
    });

    it.each(["/status", "/audit", "/metrics", "/openapi.json"])("guards GET %s", async (url) => {
      expect((await app.inject({ method: "GET", url })).statusCode).toBe(401);
      expect((await app.inject({ method: "GET", url, headers: { authorization: "Bearer s3cret-token" } })).statusCode).toBe(200);
    });

    it("guards feedback before looking at its body", async () => {
      expect((await postJson(app, "/feedback", { nonsense: true })).statusCode).toBe(401);
    });

    it("answers 401, not 404, for an unknown route without a token", async () => {
      expect((await app.inject({ method: "GET", url: "/admin" })).statusCode).toBe(401);
    });

    it("answers 401, not 405, for a known path with another method without a token, and 405 with one", async () => {
      expect((await app.inject({ method: "GET", url: "/decide" })).statusCode).toBe(401);
      const withToken = await app.inject({ method: "GET", url: "/decide", headers: { authorization: "Bearer s3cret-token" } });
      expect(withToken.statusCode).toBe(405);
      expect(withToken.headers.allow).toBe("POST");
    });

    it.each(["/healthz", "/readyz"])("leaves GET %s open for probes", async (url) => {
      expect((await app.inject({ method: "GET", url })).statusCode).toBe(200);
    });

    it("counts refusals in aurora_http_errors_total", async () => {
      const text = (await app.inject({ method: "GET", url: "/metrics", headers: { authorization: "Bearer s3cret-token" } })).body;
      expect(text).toMatch(/^aurora_http_errors_total\{route="\/decide",status="401"\} \d+$/m);
    });
  });

  describe("options", () => {
    it.each(["s3cret ", " s3cret"])(
      "refuses the token %j at start, since HTTP trims the whitespace no request could carry",
      async (token) => {
        const app = testApp({ apiToken: token });
        await expect(app.ready()).rejects.toThrow(
          "auth-plugin: token must not start or end with whitespace: HTTP trims it from the Authorization header, so no request could carry the token",
        );
        await app.close().catch(() => {});
      },
    );
  });

  describe("without AURORA_API_TOKEN", () => {
    it("needs no Authorization header", async () => {
      const app = testApp();
      expect((await postJson(app, "/decide", DECIDE_BODY)).statusCode).toBe(200);
      expect((await app.inject({ method: "GET", url: "/status" })).statusCode).toBe(200);
      await app.close();
    });
  });
});
