import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { RoutingEngine } from "@aurora/engine";
import { afterEach, describe, expect, it } from "vitest";
import { DECIDE_BODY, postJson, testApp } from "../test/fixtures.js";
import { errorResponseSchema } from "./response-schemas.js";

describe("error-handler", () => {
  let app: ReturnType<typeof testApp>;
  afterEach(async () => {
    await app.close();
  });

  it("answers 400 invalid_json, quoting the parser, for a body that is not JSON", async () => {
    app = testApp();
    const answer = await app.inject({
      method: "POST",
      url: "/decide",
      payload: '{"context": ',
      headers: { "content-type": "application/json" },
    });
    expect(answer.statusCode).toBe(400);
    const body = answer.json();
    expect(body).toMatchObject({ error: "invalid_json", field: "(body)" });
    expect(body.message).toMatch(
      /^the request body is not valid JSON \(.+\): send one JSON object with Content-Type: application\/json$/,
    );
    expect(errorResponseSchema.safeParse(body).success).toBe(true);
  });

  it("answers 415 naming content-encoding for a compressed body, and still takes identity", async () => {
    app = testApp();
    const send = (encoding: string, payload: Buffer | string) =>
      app.inject({
        method: "POST",
        url: "/decide",
        payload,
        headers: { "content-type": "application/json", "content-encoding": encoding },
      });
    const answer = await send("gzip", gzipSync(JSON.stringify(DECIDE_BODY)));
    expect(answer.statusCode).toBe(415);
    expect(answer.json()).toEqual({
      error: "unsupported_media_type",
      field: "content-encoding",
      message: 'Content-Encoding "gzip" is not accepted: send the JSON body uncompressed (no Content-Encoding, or identity)',
    });
    expect((await send("identity", JSON.stringify(DECIDE_BODY))).statusCode).toBe(200);
  });

  it("answers 400 for an empty JSON body", async () => {
    app = testApp();
    const answer = await app.inject({
      method: "POST",
      url: "/feedback",
      payload: "",
      headers: { "content-type": "application/json" },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      error: "invalid_json",
      field: "(body)",
      message: "the request body is not valid JSON (the body is empty): send one JSON object with Content-Type: application/json",
    });
  });

  it("answers 400 invalid_json for a body that is not UTF-8 (Latin-1 sent without a charset), not a decision on mangled ids", async () => {
    app = testApp();
    const latin1 = Buffer.from(JSON.stringify({ ...DECIDE_BODY, constraints: { allow: ["caf\u00e9"] } }), "latin1");
    const answer = await app.inject({
      method: "POST",
      url: "/decide",
      payload: latin1,
      headers: { "content-type": "application/json" },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      error: "invalid_json",
      field: "(body)",
      message: "the request body is not valid JSON (it is not UTF-8): send one JSON object with Content-Type: application/json",
    });
    // The same text in UTF-8 is read as sent.
    const utf8 = await app.inject({
      method: "POST",
      url: "/decide",
      payload: Buffer.from(JSON.stringify({ ...DECIDE_BODY, constraints: { allow: ["caf\u00e9"] } }), "utf8"),
      headers: { "content-type": "application/json" },
    });
    expect(utf8.statusCode).toBe(200);
    // A byte-order mark is still refused, as before (JSON has none).
    const bom = await app.inject({
      method: "POST",
      url: "/decide",
      payload: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(DECIDE_BODY))]),
      headers: { "content-type": "application/json" },
    });
    expect(bom.json().error).toBe("invalid_json");
  });

  it.each(["/decide", "/feedback"])("answers 400 invalid_json when POST %s carries no body at all", async (url) => {
    app = testApp();
    const answer = await app.inject({ method: "POST", url });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      error: "invalid_json",
      field: "(body)",
      message: "the request body is not valid JSON (no body was sent): send one JSON object with Content-Type: application/json",
    });
  });

  it("answers 413 naming BODY_LIMIT for a body over it", async () => {
    app = testApp({ bodyLimit: 2048 });
    const answer = await postJson(app, "/decide", { ...DECIDE_BODY, padding: "x".repeat(4096) });
    expect(answer.statusCode).toBe(413);
    expect(answer.json()).toEqual({
      error: "body_too_large",
      field: "(body)",
      message: "the request body is larger than 2048 bytes: send fewer providers per request or raise BODY_LIMIT",
    });
  });

  it("answers 415 for a body that is not declared as JSON", async () => {
    app = testApp();
    const answer = await app.inject({
      method: "POST",
      url: "/decide",
      payload: "hello",
      headers: { "content-type": "text/plain" },
    });
    expect(answer.statusCode).toBe(415);
    expect(answer.json()).toEqual({
      error: "unsupported_media_type",
      field: "content-type",
      message: 'Content-Type "text/plain" is not accepted: send the body as JSON with Content-Type: application/json',
    });
  });

  it("answers 415 for a body sent without Content-Type", async () => {
    app = testApp();
    const answer = await app.inject({ method: "POST", url: "/decide", payload: Buffer.from("{}") });
    expect(answer.statusCode).toBe(415);
    expect(answer.json().message).toBe(
      "a body without Content-Type is not accepted: send the body as JSON with Content-Type: application/json",
    );
  });

  it.each(["utf-8", "UTF-8", "utf8", "Utf8", '"utf-8"'])("accepts JSON declared with charset=%s", async (charset) => {
    app = testApp();
    const answer = await app.inject({
      method: "POST",
      url: "/decide",
      payload: JSON.stringify(DECIDE_BODY),
      headers: { "content-type": `application/json; charset=${charset}` },
    });
    expect(answer.statusCode).toBe(200);
  });

  it.each([
    ["application/json; charset=latin1", "latin1"],
    ["application/json;charset=ISO-8859-1", "ISO-8859-1"],
    ['application/json; charset="utf-16"', "utf-16"],
    ["application/json; charset=us-ascii", "us-ascii"],
    ["Application/JSON; Charset=windows-1252; foo=bar", "windows-1252"],
  ])("answers 415 naming the charset for %s, reading JSON as UTF-8 only", async (contentType, charset) => {
    app = testApp();
    const answer = await app.inject({
      method: "POST",
      url: "/decide",
      payload: JSON.stringify(DECIDE_BODY),
      headers: { "content-type": contentType },
    });
    expect(answer.statusCode).toBe(415);
    expect(answer.json()).toEqual({
      error: "unsupported_media_type",
      field: "content-type",
      message: `charset "${charset}" is not accepted: JSON is read as UTF-8 only (RFC 8259 requires UTF-8 between systems): send the body encoded as UTF-8, with Content-Type: application/json or application/json; charset=utf-8`,
    });
    expect(errorResponseSchema.safeParse(answer.json()).success).toBe(true);
  });

  it("answers 404 naming the route, for a path that exists under no method", async () => {
    app = testApp();
    const answer = await app.inject({ method: "DELETE", url: "/nowhere?x=1" });
    expect(answer.statusCode).toBe(404);
    expect(answer.json()).toEqual({
      error: "not_found",
      message: "there is no route DELETE /nowhere: GET /openapi.json lists them",
    });
  });

  describe("a known path with a method it does not take, over a real socket", () => {
    let base: string;
    const listen = async () => {
      app = testApp();
      await app.listen({ port: 0, host: "127.0.0.1" });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    };

    it.each([
      ["GET", "/decide", "POST"],
      ["PUT", "/feedback", "POST"],
      ["HEAD", "/decide", "POST"],
      ["DELETE", "/decisions/x", "GET, HEAD"],
      ["POST", "/healthz?probe=1", "GET, HEAD"],
    ])("answers %s %s with 405 method_not_allowed, Allow: %s, and counts it", async (method, url, allow) => {
      await listen();
      const answer = await fetch(`${base}${url}`, { method });
      expect(answer.status).toBe(405);
      expect(answer.headers.get("allow")).toBe(allow);
      const path = url.split("?")[0];
      if (method !== "HEAD") {
        const body = await answer.json();
        expect(body).toEqual({
          error: "method_not_allowed",
          message: `there is no route ${method} ${path}: this path takes ${allow} (the Allow header lists them)`,
        });
        expect(errorResponseSchema.safeParse(body).success).toBe(true);
      }
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('aurora_http_errors_total{route="(unmatched)",status="405"} 1');
      expect(metrics).not.toContain('status="404"');
    });

    it.each([
      ["GET", "/nowhere"],
      ["DELETE", "/decisions/x/y"],
      ["PATCH", "/"],
    ])("keeps 404 not_found for %s %s, a path that exists under no method", async (method, url) => {
      await listen();
      const answer = await fetch(`${base}${url}`, { method });
      expect(answer.status).toBe(404);
      expect(answer.headers.get("allow")).toBeNull();
      expect(((await answer.json()) as { error: string }).error).toBe("not_found");
    });
  });

  it("answers 400 bad_url in its own shape, and counts it, for a path that is not valid percent-encoding", async () => {
    app = testApp();
    const answer = await app.inject({ method: "GET", url: "/decisions/%E0%A4%A" });
    expect(answer.statusCode).toBe(400);
    const body = answer.json();
    expect(body).toEqual({
      error: "bad_url",
      field: "(path)",
      message:
        'the path "/decisions/%E0%A4%A" is not valid percent-encoding: encode each path segment (a decision id) with encodeURIComponent',
    });
    expect(errorResponseSchema.safeParse(body).success).toBe(true);
    const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toContain('aurora_http_errors_total{route="(unmatched)",status="400"} 1');
  });

  it("answers 414 url_too_long for a decision id longer than any the engine gives", async () => {
    app = testApp();
    const answer = await app.inject({ method: "GET", url: `/decisions/${"x".repeat(3000)}` });
    expect(answer.statusCode).toBe(414);
    expect(answer.json()).toMatchObject({ error: "url_too_long", field: "(path)" });
  });

  it("answers 500 without internals when the engine fails unexpectedly, and counts it", async () => {
    // A bug inside the engine: a plain error, no AuroraError code.
    class FailingEngine extends RoutingEngine {
      override decide(): never {
        throw new TypeError("Cannot read properties of undefined (reading 'q_table') at /srv/aurora/engine.js");
      }
    }
    app = testApp({}, { engine: new FailingEngine({ seed: 1 }) });
    const answer = await postJson(app, "/decide", DECIDE_BODY);
    expect(answer.statusCode).toBe(500);
    expect(answer.json()).toEqual({
      error: "internal_error",
      message: expect.stringMatching(/^the sidecar failed on this request; its log has the details \(request id req-\w+\)$/),
    });
    expect(answer.body).not.toContain("q_table");
    expect(answer.body).not.toContain("/srv/aurora");
    const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toContain('aurora_http_errors_total{route="/decide",status="500"} 1');
  });

  it("counts every refused request by route and status", async () => {
    app = testApp();
    await postJson(app, "/decide", {});
    await postJson(app, "/decide", {});
    await app.inject({ method: "GET", url: "/nowhere" });
    const metrics = (await app.inject({ method: "GET", url: "/metrics" })).body;
    expect(metrics).toContain('aurora_http_errors_total{route="/decide",status="400"} 2');
    expect(metrics).toContain('aurora_http_errors_total{route="(unmatched)",status="404"} 1');
  });
});
