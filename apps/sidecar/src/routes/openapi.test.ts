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
