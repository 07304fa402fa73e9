import { describe, expect, it } from "vitest";
import { capturingLogger } from "../test/capturing-logger.js";
import { DECIDE_BODY, postJson, testApp } from "../test/fixtures.js";

describe("request-log-plugin", () => {
  it("logs nothing per request at info level", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = testApp({}, { logger: capturingLogger(lines, "info") });
    await app.ready();
    const before = lines.length;
    await postJson(app, "/decide", DECIDE_BODY);
    await postJson(app, "/decide", {});
    expect(lines.slice(before)).toEqual([]);
    await app.close();
  });

  it("logs one debug line per answered request at debug level", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = testApp({}, { logger: capturingLogger(lines, "debug") });
    await app.ready();
    await postJson(app, "/decide", DECIDE_BODY);
    await app.inject({ method: "GET", url: "/healthz?probe=1" });
    const requests = lines.filter((line) => line.msg === "request");
    expect(requests.map(({ level, method, url, status }) => ({ level, method, url, status }))).toEqual([
      { level: 20, method: "POST", url: "/decide", status: 200 },
      { level: 20, method: "GET", url: "/healthz?probe=1", status: 200 },
    ]);
    expect(typeof requests[0]!.ms).toBe("number");
    await app.close();
  });

  it("logs a 5xx at error level with the stack, and a refused request only at debug", async () => {
    const lines: Record<string, unknown>[] = [];
    const app = testApp({}, { logger: capturingLogger(lines, "info") });
    await app.ready();
    await postJson(app, "/decide", {});
    expect(lines.filter((line) => line.msg === "request refused")).toEqual([]);
    await app.engine.close();
    await postJson(app, "/decide", DECIDE_BODY);
    const failed = lines.filter((line) => line.msg === "request failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 50, err: { message: expect.stringContaining("closed") } });
    await app.close();
  });
});
