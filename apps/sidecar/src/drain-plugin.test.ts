import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { DECIDE_BODY, testApp } from "../test/fixtures.js";

describe("drain-plugin", () => {
  it("answers a request in flight during close with Connection: close, so close() does not wait on its socket", async () => {
    const app = testApp();
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as AddressInfo;
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    const payload = Buffer.from(JSON.stringify(DECIDE_BODY));

    let closed: Promise<undefined> | undefined;
    const answer = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: "127.0.0.1",
          port,
          path: "/decide",
          method: "POST",
          headers: { "content-type": "application/json", "content-length": payload.length },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        },
      );
      req.on("error", reject);
      req.write(payload.subarray(0, 10));
      // Not a timing assertion: a pause so the server has parsed the headers, then close mid-body.
      setTimeout(() => {
        closed = app.close();
        req.end(payload.subarray(10));
      }, 100);
    });

    expect(answer).toEqual({ status: 200, connection: "close" });
    await closed;
    agent.destroy();
  });
});
