import { describe, expect, it } from "vitest";
import { testApp } from "../../test/fixtures.js";

describe("GET /openapi.json", () => {
  it("answers an OpenAPI 3.1 document listing every route the app serves", async () => {
    const app = testApp();
    const routes: string[] = [];
    app.addHook("onRoute", (route) => {
      for (const method of [route.method].flat()) if (method !== "HEAD") routes.push(`${method.toLowerCase()} ${route.url}`);
    });
    const answer = await app.inject({ method: "GET", url: "/openapi.json" });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
    const document = answer.json();
    expect(document.openapi).toBe("3.1.0");
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    );
    expect(documented.sort()).toEqual(routes.sort());
    await app.close();
  });

  it("declares the bearer scheme without a token too, so a client generated from any instance can send one", async () => {
    const app = testApp();
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.paths["/decide"].post.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths["/decide"].post.responses["401"]).toBeDefined();
    expect(document.paths["/healthz"].get.security).toEqual([]);
    await app.close();
  });

  it.each([
    ["without an Authorization header", {}],
    ["with a wrong token", { authorization: "Bearer nope" }],
  ])("documents the 401 the auth plugin answers %s", async (_, headers) => {
    const app = testApp({ apiToken: "t0ken" });
    const document = (
      await app.inject({ method: "GET", url: "/openapi.json", headers: { authorization: "Bearer t0ken" } })
    ).json();
    const refused = await app.inject({ method: "GET", url: "/status", headers });
    expect(refused.statusCode).toBe(401);
    const documented = document.paths["/status"].get.responses["401"];
    expect(documented.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Unauthorized" });
    const schema = document.components.schemas.Unauthorized;
    const body = refused.json();
    expect(Object.keys(body).sort()).toEqual(Object.keys(schema.properties).sort());
    expect(schema.required.sort()).toEqual(Object.keys(body).sort());
    expect(body.error).toBe(schema.properties.error.const);
    expect(typeof body.message).toBe("string");
    expect(refused.headers["www-authenticate"]).toBe(documented.headers["WWW-Authenticate"].schema.const);
    await app.close();
  });

  it("declares the bearer scheme when a token is configured, and leaves the probes open", async () => {
    const app = testApp({ apiToken: "t0ken" });
    const document = (
      await app.inject({ method: "GET", url: "/openapi.json", headers: { authorization: "Bearer t0ken" } })
    ).json();
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.paths["/healthz"].get.security).toEqual([]);
    expect(document.paths["/readyz"].get.security).toEqual([]);
    expect(document.paths["/decide"].post.responses["401"]).toBeDefined();
    await app.close();
  });
});
