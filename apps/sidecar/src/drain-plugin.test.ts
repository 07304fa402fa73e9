import { Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { testApp } from "../test/fixtures.js";
import { RawConnection, rawRequest } from "../test/raw-connection.js";

/**
 * The sidecar with one more route, `POST /held` `{n, padding?}`, whose handler waits until the
 * test releases it and then answers `{n, padding}` with `padding` bytes of padding: a request the
 * engine is busy with when shutdown begins.
 */
async function sidecarWithHeldRoute(): Promise<{ app: FastifyInstance; port: number; held: (() => void)[] }> {
  const app = testApp();
  const held: (() => void)[] = [];
  app.post("/held", async (req) => {
    const { n, padding = 0 } = req.body as { n: number; padding?: number };
    await new Promise<void>((release) => held.push(release));
    return { n, padding: "x".repeat(padding) };
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { app, port: (app.server.address() as AddressInfo).port, held };
}

const held = (n: number, padding?: number) => rawRequest("POST", "/held", JSON.stringify({ n, padding }));

/** Calls `app.close()` and waits until shutdown has begun (the server no longer listens); `closed` is the close. */
async function beginClose(app: FastifyInstance): Promise<{ closed: Promise<undefined> }> {
  const closed = app.close();
  await expect.poll(() => app.server.listening).toBe(false);
  return { closed };
}

/** What `promise` came to within `ms`, or "still waiting". */
function within<T>(ms: number, promise: Promise<T>): Promise<T | "still waiting"> {
  return Promise.race([
    promise,
    new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), ms).unref()),
  ]);
}

describe("drain-plugin", () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("answers a request in flight during close with Connection: close, so close() does not wait on its socket", async () => {
    const { app, port, held: waiting } = await sidecarWithHeldRoute();
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    cleanups.push(() => agent.destroy());
    const payload = JSON.stringify({ n: 1 });
    const answer = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = request(
        { agent, port, host: "127.0.0.1", path: "/held", method: "POST", headers: { "content-type": "application/json" } },
        (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
    await expect.poll(() => waiting.length).toBe(1);

    const { closed } = await beginClose(app);
    waiting[0]!();
    expect(await answer).toEqual({ status: 200, connection: "close" });
    await closed;
  });

  it("answers every pipelined request a handler took before close, saying Connection: close only on the last one", async () => {
    const { app, port, held: waiting } = await sidecarWithHeldRoute();
    const connection = await RawConnection.open(port);
    cleanups.push(() => connection.destroy());
    connection.write(held(0) + held(1) + held(2));
    await expect.poll(() => waiting.length).toBe(3);

    const { closed } = await beginClose(app);
    for (const [i, release] of waiting.entries()) {
      release();
      await expect.poll(() => connection.responses.length).toBe(i + 1);
    }
    await connection.closed;
    expect(connection.responses.map((r) => [r.status, JSON.parse(r.body).n, r.headers.connection])).toEqual([
      [200, 0, "keep-alive"],
      [200, 1, "keep-alive"],
      [200, 2, "close"],
    ]);
    await closed;
  });

  it("answers a request still in flight before the 400 for malformed bytes that follow it (not the 400 in its place)", async () => {
    const { app, port, held: waiting } = await sidecarWithHeldRoute();
    cleanups.push(() => app.close());
    const connection = await RawConnection.open(port);
    cleanups.push(() => connection.destroy());
    connection.write(`${held(0)}XXXX / HTTP/1.1\r\n\r\n`);
    await expect.poll(() => waiting.length).toBe(1);
    // The parser has refused the bytes by now; the engine's answer to the first request is still due.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connection.responses).toHaveLength(0);
    waiting[0]!();
    await connection.closed;
    expect(connection.responses.map((r) => [r.status, JSON.parse(r.body).n ?? JSON.parse(r.body).error])).toEqual([
      [200, 0],
      [400, "bad_request"],
    ]);
  });

  it("ends the connection after its last answer when the answers were ready out of order and none could say close", async () => {
    const { app, port, held: waiting } = await sidecarWithHeldRoute();
    const connection = await RawConnection.open(port);
    cleanups.push(() => connection.destroy());
    connection.write(held(0) + held(1));
    await expect.poll(() => waiting.length).toBe(2);
    // The second answer is ready before close begins; it waits on the wire behind the first.
    waiting[1]!();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const { closed } = await beginClose(app);
    waiting[0]!();
    expect(await within(5_000, connection.closed)).toBeUndefined();
    expect(connection.responses.map((r) => [r.status, JSON.parse(r.body).n])).toEqual([
      [200, 0],
      [200, 1],
    ]);
    await closed;
  });

  // Refused by the drain plugin, in the API's shape and counted; Fastify's own refusal
  // ({"error":"Service Unavailable",…,"statusCode":503}, which the OpenAPI document does not allow,
  // and uncounted) is off: between its routes closing and the drain beginning, a request reaches
  // the engine, still open, and is answered as usual.
  it("refuses a request that arrives after close began, before its handler, counting a 503 (behind an answer that says close)", async () => {
    const { app, port, held: waiting } = await sidecarWithHeldRoute();
    const connection = await RawConnection.open(port);
    cleanups.push(() => connection.destroy());
    connection.write(held(0));
    await expect.poll(() => waiting.length).toBe(1);

    const { closed } = await beginClose(app);
    connection.write(held(1));
    await expect
      .poll(async () => (await app.metrics.render()).includes('aurora_http_errors_total{route="/held",status="503"} 1\n'))
      .toBe(true);
    expect(waiting).toHaveLength(1);
    waiting[0]!();
    await connection.closed;
    expect(connection.responses.map((r) => [r.status, JSON.parse(r.body).n, r.headers.connection])).toEqual([[200, 0, "close"]]);
    await closed;
  });

  it("refuses with 503, before its handler, a request whose body completes behind an answer that said close", async () => {
    const { app, port, held: waiting } = await sidecarWithHeldRoute();
    const connection = await RawConnection.open(port);
    cleanups.push(() => connection.destroy());
    // The first answer is 16 MB and the client reads nothing yet: it stays on the wire, unfinished.
    connection.pause();
    const second = held(1);
    connection.write(held(0, 16 * 1024 * 1024) + second.slice(0, -3));
    await expect.poll(() => waiting.length).toBe(1);

    const { closed } = await beginClose(app);
    waiting[0]!();
    connection.write(second.slice(-3));
    await expect
      .poll(async () => (await app.metrics.render()).includes('aurora_http_errors_total{route="/held",status="503"} 1\n'))
      .toBe(true);
    expect(waiting).toHaveLength(1);

    connection.resume();
    await connection.closed;
    expect(connection.responses.map((r) => [r.status, JSON.parse(r.body).n, r.headers.connection])).toEqual([[200, 0, "close"]]);
    await closed;
  });

  it("destroys at close the connections with no request in flight: new, half a header, half a body, idle", async () => {
    const { app, port } = await sidecarWithHeldRoute();
    const connections = await Promise.all([0, 1, 2, 3].map(() => RawConnection.open(port)));
    for (const connection of connections) cleanups.push(() => connection.destroy());
    const [fresh, halfHeader, halfBody, idle] = connections as [RawConnection, RawConnection, RawConnection, RawConnection];
    halfHeader.write("POST /feedback HTTP/1.1\r\nHost: aurora\r\n");
    halfBody.write(
      'POST /feedback HTTP/1.1\r\nHost: aurora\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"decision',
    );
    idle.write(rawRequest("GET", "/healthz"));
    await expect.poll(() => idle.responses.length).toBe(1);
    expect(fresh.isClosed).toBe(false);

    expect(await within(5_000, app.close())).toBeUndefined();
    await Promise.all(connections.map((connection) => connection.closed));
    expect([fresh, halfHeader, halfBody].map((c) => c.responses.length)).toEqual([0, 0, 0]);
  });
});
