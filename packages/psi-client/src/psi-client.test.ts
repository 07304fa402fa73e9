import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import { ManualClock, ValidationError } from "@aurora/domain";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NEUTRAL_PSI_METRICS } from "./neutral-psi-metrics.js";
import { PsiClient } from "./psi-client.js";
import type { PsiClientOptions } from "./psi-client-options.js";

type Route = (req: IncomingMessage, res: ServerResponse) => void;

interface PsiField {
  url: string;
  /** Paths in the order the server received them. */
  requests: string[];
  /** Change a route while the test runs; a path without a route answers 404. */
  routes: Map<string, Route>;
  close(): Promise<void>;
}

const cleanups: Array<() => unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real HTTP server on a free port, answering the routes it is given. */
async function startPsiField(routes: Record<string, Route>): Promise<PsiField> {
  const requests: string[] = [];
  const routeMap = new Map(Object.entries(routes));
  const server = createServer((req, res) => {
    const path = req.url ?? "";
    requests.push(path);
    const route = routeMap.get(path);
    if (route === undefined) res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    else route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("expected a TCP address");
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const timer of slowTimers) clearTimeout(timer);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return { url: `http://127.0.0.1:${address.port}`, requests, routes: routeMap, close };
}

const slowTimers = new Set<ReturnType<typeof setTimeout>>();

const json =
  (body: unknown, status = 200): Route =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

const text =
  (body: string, status = 200, contentType = "text/plain"): Route =>
  (_req, res) => {
    res.writeHead(status, { "content-type": contentType }).end(body);
  };

const slow =
  (ms: number, route: Route): Route =>
  (req, res) => {
    const timer = setTimeout(() => {
      slowTimers.delete(timer);
      if (!res.destroyed) route(req, res);
    }, ms);
    slowTimers.add(timer);
  };

/** Streams `bytes` of JSON-looking text in chunks, without a content-length. */
const huge =
  (bytes: number): Route =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = " ".repeat(8_192);
    for (let sent = 0; sent < bytes; sent += chunk.length) res.write(chunk);
    res.end('{"Psi":0.5}');
  };

/** Holds every request until `release()`, so a test controls when the answer comes. */
function gated(route: Route): { route: Route; release: () => void } {
  const waiting: Array<() => void> = [];
  let open = false;
  return {
    route: (req, res) => {
      if (open) route(req, res);
      else waiting.push(() => route(req, res));
    },
    release: () => {
      open = true;
      for (const answer of waiting.splice(0)) answer();
    },
  };
}

const START = Date.UTC(2025, 0, 1);

const realState = {
  Psi: 0.68,
  C: 0.8,
  U: 0.12,
  Phi: 0.75,
  H: 0.3,
  PE: 0.04,
  M: 0.5,
  dt_eff: 0.01,
  k: 3,
  timestamp: "2025-01-01T00:00:00.000Z",
};
const realMetrics = { density: 0.68, coherence: 0.8, entropy: 0.3 };

/** Generous on purpose: a loaded test machine must not turn a happy path into a timeout. */
const RELAXED_TIMEOUT_MS = 2_000;

function client(options: PsiClientOptions): PsiClient {
  const created = new PsiClient({ timeoutMs: RELAXED_TIMEOUT_MS, ...options });
  cleanups.push(() => created.close());
  return created;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("PsiClient", () => {
  describe("GET /state (the real service)", () => {
    it("maps Psi, C and H to density, coherence and entropy, and says the reading is live", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const clock = new ManualClock(START);
      const psi = client({ baseUrl: field.url, clock });

      expect(await psi.getMetrics()).toEqual({
        metrics: realMetrics,
        source: "live",
        fetched_at: START,
        endpoint: "state",
      });
      expect(field.requests).toEqual(["/state"]);
      expect(psi.connected).toBe(true);
      expect(psi.stats()).toEqual({
        hits: 0,
        misses: 1,
        errors: 0,
        timeouts: 0,
        invalid: 0,
        last_success_at: "2025-01-01T00:00:00.000Z",
        last_error: null,
        connected: true,
      });
    });

    it("asks beneath the base URL's path", async () => {
      const field = await startPsiField({ "/psi/state": json(realState) });
      const psi = client({ baseUrl: `${field.url}/psi` });

      expect((await psi.getMetrics()).source).toBe("live");
      expect(field.requests).toEqual(["/psi/state"]);
    });
  });

  describe("GET /api/metrics (the seed's endpoint)", () => {
    it("falls back to it after a 404 on /state, and asks it first from then on", async () => {
      const field = await startPsiField({
        "/api/metrics": json({ psi_density: 0.42, psi_coherence: 0.9, psi_entropy: 0.1 }),
      });
      const clock = new ManualClock(START);
      const psi = client({ baseUrl: field.url, clock });

      expect(await psi.getMetrics()).toEqual({
        metrics: { density: 0.42, coherence: 0.9, entropy: 0.1 },
        source: "live",
        fetched_at: START,
        endpoint: "api/metrics",
      });
      clock.advance(5_000);
      expect((await psi.getMetrics()).endpoint).toBe("api/metrics");
      expect(field.requests).toEqual(["/state", "/api/metrics", "/api/metrics"]);
      expect(psi.stats()).toMatchObject({ errors: 0, misses: 2, connected: true });
    });

    it("goes back to /state when the remembered /api/metrics starts answering 404", async () => {
      const field = await startPsiField({ "/api/metrics": json({ psi_density: 0.42 }) });
      const clock = new ManualClock(START);
      const psi = client({ baseUrl: field.url, clock });
      await psi.getMetrics();

      field.routes.delete("/api/metrics");
      field.routes.set("/state", json(realState));
      clock.advance(5_000);

      expect((await psi.getMetrics()).endpoint).toBe("state");
      expect(field.requests).toEqual(["/state", "/api/metrics", "/api/metrics", "/state"]);
    });

    it("counts a 404 on both endpoints as one error and stays neutral", async () => {
      const field = await startPsiField({});
      const psi = client({ baseUrl: field.url });

      expect((await psi.getMetrics()).source).toBe("neutral");
      expect(psi.stats()).toMatchObject({
        errors: 1,
        invalid: 0,
        last_error: "HTTP 404 (GET /state, GET /api/metrics)",
      });
    });

    it("does not fall back when the endpoint is pinned to state", async () => {
      const field = await startPsiField({ "/api/metrics": json({ psi_density: 0.42 }) });
      const psi = client({ baseUrl: field.url, endpoint: "state" });

      expect((await psi.getMetrics()).source).toBe("neutral");
      expect(field.requests).toEqual(["/state"]);
      expect(psi.stats().last_error).toBe("HTTP 404 (GET /state)");
    });

    it("asks only /api/metrics when pinned to it", async () => {
      const field = await startPsiField({ "/state": json(realState), "/api/metrics": json({ psi_density: 0.42 }) });
      const psi = client({ baseUrl: field.url, endpoint: "api/metrics" });

      expect((await psi.getMetrics()).metrics).toEqual({ density: 0.42 });
      expect(field.requests).toEqual(["/api/metrics"]);
    });
  });

  describe("TTL cache", () => {
    it("serves the cached value within the TTL and asks again once it has passed", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const clock = new ManualClock(START);
      const psi = client({ baseUrl: field.url, clock, ttlMs: 5_000 });

      await psi.getMetrics();
      clock.advance(4_999);
      expect(await psi.getMetrics()).toEqual({
        metrics: realMetrics,
        source: "cache",
        fetched_at: START,
        endpoint: "state",
      });
      expect(field.requests).toHaveLength(1);

      clock.advance(1);
      expect(await psi.getMetrics()).toMatchObject({ source: "live", fetched_at: START + 5_000 });
      expect(field.requests).toHaveLength(2);
      expect(psi.stats()).toMatchObject({ hits: 1, misses: 2 });
    });

    it("asks on every call when ttlMs is 0", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START), ttlMs: 0 });

      await psi.getMetrics();
      await psi.getMetrics();
      expect(field.requests).toHaveLength(2);
      expect(psi.stats()).toMatchObject({ hits: 0, misses: 2 });
    });

    it("treats a value from the future (the clock went back) as expired", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const clock = new ManualClock(START);
      const psi = client({ baseUrl: field.url, clock });

      await psi.getMetrics();
      clock.set(START - 60_000);
      expect(psi.peek().source).toBe("stale");
      expect((await psi.getMetrics()).source).toBe("live");
      expect(field.requests).toHaveLength(2);
    });
  });

  describe("peek", () => {
    it("reads memory without asking the service: neutral, then cache, then stale", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const clock = new ManualClock(START);
      const psi = client({ baseUrl: field.url, clock });

      expect(psi.peek()).toEqual({ metrics: NEUTRAL_PSI_METRICS, source: "neutral", fetched_at: null, endpoint: null });
      await psi.getMetrics();
      expect(psi.peek()).toEqual({ metrics: realMetrics, source: "cache", fetched_at: START, endpoint: "state" });
      clock.advance(5_000);
      expect(psi.peek()).toEqual({ metrics: realMetrics, source: "stale", fetched_at: START, endpoint: "state" });
      expect(field.requests).toHaveLength(1);
      expect(psi.stats()).toMatchObject({ hits: 0, misses: 1 });
    });
  });

  describe("a slow service", () => {
    it("gives up after the timeout with the neutral value and counts a timeout", async () => {
      const field = await startPsiField({ "/state": slow(2_000, json(realState)) });
      const psi = client({ baseUrl: field.url, timeoutMs: 200 });

      expect(await psi.getMetrics()).toEqual({
        metrics: { density: 0 },
        source: "neutral",
        fetched_at: null,
        endpoint: null,
      });
      expect(psi.connected).toBe(false);
      expect(psi.stats()).toMatchObject({
        errors: 1,
        timeouts: 1,
        invalid: 0,
        last_error: "timeout after 200 ms (GET /state)",
      });
    });

    it("gives up after the timeout with the last good value, marked stale", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const clock = new ManualClock(START);
      const psi = new PsiClient({ baseUrl: field.url, clock, timeoutMs: 200 });
      cleanups.push(() => psi.close());
      // The first request warms up fetch itself, which on a busy machine can take longer than 200 ms.
      await vi.waitFor(async () => expect((await psi.getMetrics()).source).toBe("live"));

      field.routes.set("/state", slow(2_000, json({ ...realState, Psi: 0.1 })));
      clock.advance(5_000);

      expect(await psi.getMetrics()).toEqual({
        metrics: realMetrics,
        source: "stale",
        fetched_at: START,
        endpoint: "state",
      });
      expect(psi.stats()).toMatchObject({ timeouts: 1, connected: false });
    });

    it("bounds the whole refresh, including a body that trickles in", async () => {
      const trickle: Route = (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"Psi":');
        slow(2_000, () => res.end("0.5}"))(_req, res);
      };
      const field = await startPsiField({ "/state": trickle });
      const psi = client({ baseUrl: field.url, timeoutMs: 200 });

      expect((await psi.getMetrics()).source).toBe("neutral");
      expect(psi.stats()).toMatchObject({ timeouts: 1, last_error: "timeout after 200 ms (GET /state)" });
    });
  });

  describe("a service that is down", () => {
    it("returns the neutral value and records why", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      await field.close();
      const psi = client({ baseUrl: field.url });

      expect(await psi.getMetrics()).toEqual({
        metrics: NEUTRAL_PSI_METRICS,
        source: "neutral",
        fetched_at: null,
        endpoint: null,
      });
      expect(psi.connected).toBe(false);
      expect(psi.stats()).toMatchObject({ errors: 1, timeouts: 0, invalid: 0 });
      expect(psi.stats().last_error).toBe("connection failed (GET /state): ECONNREFUSED");
    });
  });

  describe("a lying service", () => {
    const html = "<!doctype html><html><body><h1>502 Bad Gateway</h1></body></html>";
    it.each<[string, Route, string, number]>([
      ["a body that is not JSON", text("Psi=0.5"), "invalid body (GET /state): not JSON", 1],
      ["an HTML page with status 200", text(html, 200, "text/html"), "invalid body (GET /state): not JSON", 1],
      [
        "a density given as text",
        json({ ...realState, Psi: "0.5" }),
        "invalid body (GET /state): Psi: must be a number from 0 to 1 (Ψ density)",
        1,
      ],
      [
        "NaN as a string",
        json({ ...realState, Psi: "NaN" }),
        "invalid body (GET /state): Psi: must be a number from 0 to 1 (Ψ density)",
        1,
      ],
      ["density 3", json({ ...realState, Psi: 3 }), "invalid body (GET /state): Psi: must be from 0 to 1 (Ψ density)", 1],
      [
        "a coherence of the wrong type",
        json({ ...realState, C: "0.8" }),
        "invalid body (GET /state): C: must be a finite number",
        1,
      ],
      ["a JSON array", json([realState]), "invalid body (GET /state): (root): must be a JSON object", 1],
      ["a body larger than 64 KiB", huge(70_000), "invalid body (GET /state): larger than 65536 bytes", 1],
      ["a 500 with an HTML page", text(html, 500, "text/html"), "HTTP 500 (GET /state)", 0],
      [
        "a body declared gzip that is not (the connection did not fail)",
        (_req, res) => {
          res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(JSON.stringify(realState));
        },
        "invalid body (GET /state): its compressed body does not decode (Z_DATA_ERROR)",
        1,
      ],
    ])("falls back to neutral on %s", async (_name, route, lastError, invalid) => {
      const field = await startPsiField({ "/state": route });
      const psi = client({ baseUrl: field.url });

      expect((await psi.getMetrics()).source).toBe("neutral");
      expect(psi.stats()).toMatchObject({ errors: 1, timeouts: 0, invalid, last_error: lastError, connected: false });
    });

    it("keeps serving the last good value, stale, when the service starts lying", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const clock = new ManualClock(START);
      const psi = client({ baseUrl: field.url, clock });
      await psi.getMetrics();

      field.routes.set("/state", json({ ...realState, Psi: 3 }));
      clock.advance(5_000);

      expect(await psi.getMetrics()).toEqual({
        metrics: realMetrics,
        source: "stale",
        fetched_at: START,
        endpoint: "state",
      });
      expect(psi.stats()).toMatchObject({ invalid: 1, errors: 1, connected: false, last_success_at: "2025-01-01T00:00:00.000Z" });
    });

    it("reconnects when the service answers well again, keeping the last error for the record", async () => {
      const field = await startPsiField({ "/state": text("oops", 500) });
      const clock = new ManualClock(START);
      const psi = client({ baseUrl: field.url, clock });
      await psi.getMetrics();

      field.routes.set("/state", json(realState));
      clock.advance(1_000);

      expect((await psi.getMetrics()).source).toBe("live");
      expect(psi.connected).toBe(true);
      expect(psi.stats()).toMatchObject({
        errors: 1,
        last_error: "HTTP 500 (GET /state)",
        last_success_at: "2025-01-01T00:00:01.000Z",
      });
    });
  });

  describe("concurrent callers", () => {
    it("share one request, including callers that arrive while it is in flight", async () => {
      const gate = gated(json(realState));
      const field = await startPsiField({ "/state": gate.route });
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START) });

      const first = [psi.getMetrics(), psi.getMetrics(), psi.getMetrics()];
      await vi.waitFor(() => expect(field.requests).toHaveLength(1));
      const late = psi.getMetrics();
      gate.release();
      const readings = await Promise.all([...first, late]);

      expect(field.requests).toEqual(["/state"]);
      for (const reading of readings) {
        expect(reading).toEqual({ metrics: realMetrics, source: "live", fetched_at: START, endpoint: "state" });
      }
      expect(psi.stats()).toMatchObject({ hits: 0, misses: 4 });
    });
  });

  describe("health", () => {
    it("reports a service that is up", async () => {
      const field = await startPsiField({ "/health": json({ status: "ok" }) });
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START) });

      expect(await psi.health()).toEqual({ ok: true, status: 200, latency_ms: 0, error: null });
      expect(field.requests).toEqual(["/health"]);
    });

    it("reports a service that answers an error status", async () => {
      const field = await startPsiField({ "/health": text("starting", 503) });
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START) });

      expect(await psi.health()).toEqual({ ok: false, status: 503, latency_ms: 0, error: "HTTP 503 (GET /health)" });
    });

    it("reports a service that is down, without touching the stats", async () => {
      const field = await startPsiField({});
      await field.close();
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START) });

      expect(await psi.health()).toEqual({
        ok: false,
        status: null,
        latency_ms: 0,
        error: "connection failed (GET /health): ECONNREFUSED",
      });
      expect(psi.stats()).toMatchObject({ errors: 0, connected: false, last_error: null });
    });

    it("reports a timeout", async () => {
      const field = await startPsiField({ "/health": slow(2_000, json({ status: "ok" })) });
      const psi = client({ baseUrl: field.url, timeoutMs: 200, clock: new ManualClock(START) });

      expect(await psi.health()).toEqual({
        ok: false,
        status: null,
        latency_ms: 0,
        error: "timeout after 200 ms (GET /health)",
      });
    });
  });

  describe("startRefresh", () => {
    it("refreshes in the background, even while the cached value is fresh, until stopped", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      // The clock never moves, so every request below comes from the refresh, not from an expired TTL.
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START) });

      const stop = psi.startRefresh(20);
      await vi.waitFor(() => expect(field.requests.length).toBeGreaterThanOrEqual(3));
      expect(psi.peek()).toEqual({ metrics: realMetrics, source: "cache", fetched_at: START, endpoint: "state" });

      stop();
      await sleep(100);
      const after = field.requests.length;
      await sleep(200);
      expect(field.requests).toHaveLength(after);
      expect(psi.stats()).toMatchObject({ hits: 0, misses: 0, errors: 0, connected: true });
    });

    it("asks at once, without waiting for the first interval", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START) });

      psi.startRefresh(60_000);
      await vi.waitFor(() => expect(psi.peek().source).toBe("cache"));
      expect(field.requests).toEqual(["/state"]);
    });

    it("does not keep the process alive (its timer is unref'd)", () => {
      const psi = client({ baseUrl: "http://127.0.0.1:9", clock: new ManualClock(START) });
      const refTimers = () => process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;

      const before = refTimers();
      const stop = psi.startRefresh(60_000);
      expect(refTimers()).toBe(before);
      stop();
    });

    it("is stopped, every one of them, by close()", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START) });

      psi.startRefresh(20);
      psi.startRefresh(30);
      await vi.waitFor(() => expect(field.requests.length).toBeGreaterThanOrEqual(3));
      psi.close();
      await sleep(100);
      const after = field.requests.length;
      await sleep(200);
      expect(field.requests).toHaveLength(after);
    });

    it("caps the default interval, half the TTL, at the longest timer delay (about 24.8 days)", async () => {
      const field = await startPsiField({ "/state": json(realState) });
      const psi = client({ baseUrl: field.url, ttlMs: 5_000_000_000, clock: new ManualClock(START) });
      const setIntervalSpy = vi.spyOn(globalThis, "setInterval");
      cleanups.push(() => setIntervalSpy.mockRestore());

      psi.startRefresh();

      expect(setIntervalSpy).toHaveBeenLastCalledWith(expect.any(Function), 2_147_483_647);
      await vi.waitFor(() => expect(psi.peek().source).toBe("cache"));
    });

    it("refuses an interval that is not a whole positive number of milliseconds", () => {
      const psi = client({ baseUrl: "http://127.0.0.1:9" });
      for (const interval of [0, -5, 1.5, Number.NaN]) {
        expect(() => psi.startRefresh(interval)).toThrow(ValidationError);
        try {
          psi.startRefresh(interval);
        } catch (error) {
          expect((error as ValidationError).field).toBe("intervalMs");
        }
      }
    });
  });

  describe("close", () => {
    it("aborts a request in flight without counting it as a failure", async () => {
      const field = await startPsiField({ "/state": slow(2_000, json(realState)) });
      const psi = client({ baseUrl: field.url });

      const pending = psi.getMetrics();
      await vi.waitFor(() => expect(field.requests).toHaveLength(1));
      psi.close();

      expect((await pending).source).toBe("neutral");
      expect(psi.stats()).toMatchObject({ errors: 0, timeouts: 0, misses: 1 });
    });

    it("lets a getMetrics right after it ask the service again, as on a fresh client", async () => {
      const gate = gated(json(realState));
      const field = await startPsiField({ "/state": gate.route });
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START) });

      const aborted = psi.getMetrics();
      await vi.waitFor(() => expect(field.requests).toHaveLength(1));
      psi.close();
      const after = psi.getMetrics();
      await vi.waitFor(() => expect(field.requests).toHaveLength(2));
      gate.release();

      expect((await aborted).source).toBe("neutral");
      expect(await after).toEqual({ metrics: realMetrics, source: "live", fetched_at: START, endpoint: "state" });
      expect(psi.stats()).toMatchObject({ hits: 0, misses: 2, errors: 0, connected: true });
    });

    it("lets a startRefresh right after it ask at once", async () => {
      const gate = gated(json(realState));
      const field = await startPsiField({ "/state": gate.route });
      const psi = client({ baseUrl: field.url, clock: new ManualClock(START) });

      psi.startRefresh(60_000);
      await vi.waitFor(() => expect(field.requests).toHaveLength(1));
      psi.close();
      psi.startRefresh(60_000);
      await vi.waitFor(() => expect(field.requests).toHaveLength(2));
      gate.release();

      await vi.waitFor(() => expect(psi.peek().source).toBe("cache"));
      expect(psi.connected).toBe(true);
    });
  });

  describe("options", () => {
    it("sends its requests through the injected fetch", async () => {
      const seen: string[] = [];
      const field = await startPsiField({
        "/state": (req, res) => {
          seen.push(String(req.headers["x-trace"]));
          json(realState)(req, res);
        },
      });
      const tracing: typeof fetch = (input, init) =>
        globalThis.fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), "x-trace": "t-1" } });
      const psi = client({ baseUrl: field.url, fetch: tracing });

      expect((await psi.getMetrics()).source).toBe("live");
      expect(seen).toEqual(["t-1"]);
    });

    it("keeps a password quoted by a custom fetch's error out of last_error and health().error", async () => {
      // A fetch through a proxy, whose URL holds credentials, that cannot reach the proxy.
      const proxied: typeof fetch = async () => {
        throw new TypeError("fetch failed", {
          cause: new Error("connect ECONNREFUSED via proxy http://aurora:s3cret@proxy.test:3128/"),
        });
      };
      const psi = client({ baseUrl: "http://psi-field:9091", fetch: proxied, clock: new ManualClock(START) });

      await psi.getMetrics();
      const health = await psi.health();

      expect(psi.stats().last_error).toBe(
        "connection failed (GET /state): connect ECONNREFUSED via proxy http://***@proxy.test:3128/",
      );
      expect(health.error).toBe("connection failed (GET /health): connect ECONNREFUSED via proxy http://***@proxy.test:3128/");
    });

    it("refuses a base URL with credentials, which fetch would refuse on every request", () => {
      expect(() => new PsiClient({ baseUrl: "http://aurora:s3cret@psi-field:9091" })).toThrow(
        expect.objectContaining({ field: "psiFieldUrl" }),
      );
    });

    it("refuses a bad base URL with a ValidationError naming psiFieldUrl", () => {
      expect(() => new PsiClient({ baseUrl: "not a url" })).toThrow(ValidationError);
      expect(() => new PsiClient({ baseUrl: "not a url" })).toThrow(expect.objectContaining({ field: "psiFieldUrl" }));
    });
  });
});
