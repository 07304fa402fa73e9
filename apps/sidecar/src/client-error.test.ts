import { EventEmitter } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testApp } from "../test/fixtures.js";
import { type ClientError, clientErrorReply } from "./client-error.js";
import { errorResponseSchema } from "./response-schemas.js";

/** Writes `raw` to the server over a fresh TCP connection and reads everything until it closes. */
function sendRaw(port: number, raw: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(raw));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // The server closes right after its answer; a reset after it is not a failure of the test.
      if (error.code === "ECONNRESET" && chunks.length > 0) return;
      reject(error);
    });
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer within 10 s")));
  });
}

/** The last HTTP response in `stream`: status, lower-cased headers and body. */
function lastResponse(stream: string): { status: number; headers: Record<string, string>; body: string } {
  const start = stream.lastIndexOf("HTTP/1.1 ");
  expect(start).toBeGreaterThanOrEqual(0);
  const response = stream.slice(start);
  const end = response.indexOf("\r\n\r\n");
  const [statusLine = "", ...headerLines] = response.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: response.slice(end + 4) };
}

describe("requests Node's HTTP parser refuses (clientErrorHandler)", () => {
  const app = testApp();
  let port: number;

  beforeAll(async () => {
    await app.listen({ port: 0, host: "127.0.0.1" });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  async function errorCount(status: number): Promise<number> {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const line = metrics
      .split("\n")
      .find((l) => l.startsWith(`aurora_http_errors_total{route="(unmatched)",status="${status}"}`));
    return line === undefined ? 0 : Number(line.split(" ").at(-1));
  }

  it.each([
    {
      what: "a Content-Length shorter than the body",
      raw: 'POST /decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}{"context":1}',
      says: /does not start with an HTTP method.*Content-Length.*\[HPE_INVALID_METHOD\]$/,
    },
    {
      what: "both Transfer-Encoding and Content-Length",
      raw: "POST /decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
      says: /Transfer-Encoding.*Content-Length.*\[HPE_(INVALID_TRANSFER_ENCODING|UNEXPECTED_CONTENT_LENGTH)\]$/,
    },
    {
      what: "a raw NUL in the request target",
      raw: "GET /decisions/a\u0000b HTTP/1.1\r\nHost: x\r\n\r\n",
      says: /request target holds a character a URL may not.*percent-encode.*\[HPE_INVALID_URL\]$/,
    },
    {
      what: "a raw space in the request target",
      raw: "GET /decisions/a b HTTP/1.1\r\nHost: x\r\n\r\n",
      says: /a raw space in the target.*%20 \[HPE_INVALID_(CONSTANT|URL|VERSION)\]$/,
    },
    {
      what: "a header name with a space in it",
      raw: "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
      says: /a header name or value holds a character HTTP does not allow.*\[HPE_INVALID_HEADER_TOKEN\]$/,
    },
  ])("answers 400 bad_request in the sidecar's shape, saying what was malformed, and counts it: $what", async ({ raw, says }) => {
    const before = await errorCount(400);
    const answer = lastResponse(await sendRaw(port, raw));
    expect(answer.status).toBe(400);
    expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(answer.headers.connection).toBe("close");
    expect(Number(answer.headers["content-length"])).toBe(Buffer.byteLength(answer.body));
    const body = JSON.parse(answer.body);
    expect(errorResponseSchema.strict().safeParse(body).success).toBe(true);
    expect(body.error).toBe("bad_request");
    expect(body.message).toMatch(says);
    expect(await errorCount(400)).toBe(before + 1);
  });

  it("answers 431 headers_too_large in the sidecar's shape for headers over Node's limit, and counts it", async () => {
    const before = await errorCount(431);
    const answer = lastResponse(await sendRaw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`));
    expect(answer.status).toBe(431);
    const body = JSON.parse(answer.body);
    expect(errorResponseSchema.strict().safeParse(body).success).toBe(true);
    expect(body).toEqual({ error: "headers_too_large", message: expect.stringContaining("headers are larger than") });
    expect(await errorCount(431)).toBe(before + 1);
  });

  it("keeps serving well-formed requests on other connections", async () => {
    await sendRaw(port, "GET /decisions/a b HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  /** A socket that records what the handler does to it. */
  function fakeSocket(state: { writable?: boolean; destroyed?: boolean; inFlight?: EventEmitter } = {}) {
    const written: string[] = [];
    let destroyed = state.destroyed ?? false;
    const socket = {
      get destroyed() {
        return destroyed;
      },
      writable: state.writable ?? true,
      _httpMessage: state.inFlight ?? null,
      write(data: string) {
        written.push(data);
        return true;
      },
      destroy() {
        destroyed = true;
        return socket;
      },
    };
    return { socket: socket as unknown as Socket, written, isDestroyed: () => destroyed };
  }
  const clientError = (code: string): ClientError => Object.assign(new Error(`Parse Error: ${code}`), { code });

  it("answers 408 request_timeout in the same shape for a request that did not arrive in time, and counts it", async () => {
    const before = await errorCount(408);
    const { socket, written, isDestroyed } = fakeSocket();
    clientErrorReply.call(app, clientError("ERR_HTTP_REQUEST_TIMEOUT"), socket);
    expect(written).toHaveLength(1);
    const answer = lastResponse(written[0]!);
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({
      error: "request_timeout",
      message: expect.stringContaining("did not arrive in time"),
    });
    expect(isDestroyed()).toBe(true);
    expect(await errorCount(408)).toBe(before + 1);
  });

  it("writes nothing to a socket that is not writable, and still closes it", () => {
    const { socket, written, isDestroyed } = fakeSocket({ writable: false });
    clientErrorReply.call(app, clientError("HPE_INVALID_METHOD"), socket);
    expect(written).toEqual([]);
    expect(isDestroyed()).toBe(true);
  });

  it("lets an earlier request's answer still due go out whole, then writes the 400 and closes", () => {
    // Whether its headers went out or not: a 400 before it would be read as that request's answer.
    for (const headersSent of [false, true]) {
      const inFlight = Object.assign(new EventEmitter(), { headersSent, writableFinished: false });
      const { socket, written, isDestroyed } = fakeSocket({ inFlight });
      clientErrorReply.call(app, clientError("HPE_INVALID_METHOD"), socket);
      expect(written).toEqual([]);
      expect(isDestroyed()).toBe(false);
      inFlight.writableFinished = true;
      inFlight.emit("close");
      expect(written).toHaveLength(1);
      expect(written[0]).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(isDestroyed()).toBe(true);
    }
  });

  it("does nothing for a connection reset or an already destroyed socket", async () => {
    const before = await errorCount(400);
    for (const [code, state] of [
      ["ECONNRESET", {}],
      ["HPE_INVALID_METHOD", { destroyed: true }],
    ] as const) {
      const { socket, written } = fakeSocket(state);
      clientErrorReply.call(app, clientError(code), socket);
      expect(written).toEqual([]);
    }
    expect(await errorCount(400)).toBe(before);
  });
});
