import { ValidationError } from "@aurora/domain";
import { NEUTRAL_PSI_METRICS } from "./neutral-psi-metrics.js";
import type { PsiClientOptions, ResolvedPsiClientOptions } from "./psi-client-options.js";
import { MAX_DELAY_MS, resolvePsiClientOptions } from "./psi-client-options.js";
import type { PsiClientEvent, PsiClientStats } from "./psi-client-stats.js";
import { initialPsiClientStats, reducePsiClientStats } from "./psi-client-stats.js";
import { PsiFetchError } from "./psi-fetch-error.js";
import { parsePsiFieldBody } from "./psi-field-body.js";
import type { PsiEndpoint, PsiReading } from "./psi-reading.js";
import { readTextCapped } from "./read-text-capped.js";
import { redactUrlCredentials } from "./redact-url-credentials.js";

/** A Ψ body is ~200 bytes; anything past this is not one. */
const MAX_BODY_BYTES = 64 * 1024;
/** Background refreshes never run more often than this unless asked explicitly. */
const MIN_DEFAULT_INTERVAL_MS = 100;

export interface PsiHealth {
  /** The service answered `GET /health` with a 2xx status within the timeout. */
  ok: boolean;
  status: number | null;
  /** Clock milliseconds from sending the request to receiving the status line. */
  latency_ms: number;
  error: string | null;
}

interface GoodValue {
  metrics: PsiReading["metrics"];
  fetched_at: number;
  endpoint: PsiEndpoint;
}

const NEUTRAL_READING: PsiReading = Object.freeze({
  metrics: NEUTRAL_PSI_METRICS,
  source: "neutral",
  fetched_at: null,
  endpoint: null,
});

/**
 * Reads Ψ metrics from the Ψ-Field service without ever letting it slow or break a decision:
 * one bounded request at a time, a TTL cache, the last good value when the service fails,
 * and neutral metrics when it never answered well. Every reading says which of these it is.
 */
export class PsiClient {
  readonly #options: ResolvedPsiClientOptions;
  #stats: PsiClientStats = initialPsiClientStats();
  #last: GoodValue | null = null;
  /** In auto mode, the endpoint to try first: the one that answered last. */
  #preferred: PsiEndpoint;
  #inFlight: Promise<PsiReading> | null = null;
  #inFlightAbort: AbortController | null = null;
  readonly #timers = new Set<ReturnType<typeof setInterval>>();

  constructor(options: PsiClientOptions) {
    this.#options = resolvePsiClientOptions(options);
    this.#preferred = this.#options.endpoint === "api/metrics" ? "api/metrics" : "state";
  }

  /** Never rejects. Within TTL → cached value (hit); otherwise fetches (miss) and on any failure returns the last good value ("stale") or neutral. Concurrent callers share one in-flight request. */
  async getMetrics(): Promise<PsiReading> {
    try {
      const memory = this.peek();
      if (memory.source === "cache") {
        this.#dispatch({ type: "hit" });
        return memory;
      }
      this.#dispatch({ type: "miss" });
      return await this.#refresh();
    } catch {
      return this.#safePeek();
    }
  }

  /** Synchronous, no I/O: what getMetrics would return from memory right now (cache/stale/neutral). For the decide hot path. */
  peek(): PsiReading {
    const last = this.#last;
    if (last === null) return NEUTRAL_READING;
    const age = this.#options.clock.now() - last.fetched_at;
    // A clock that went backwards makes the age negative: treat the value as expired, not as fresh forever.
    const source = age >= 0 && age < this.#options.ttlMs ? "cache" : "stale";
    return { metrics: last.metrics, source, fetched_at: last.fetched_at, endpoint: last.endpoint };
  }

  /**
   * Refreshes now, then every `intervalMs` (default half the TTL, from 100 ms to 2^31 − 1 ms), even while
   * the cached value is fresh, so that `peek()` keeps reading "cache". The timer is unref'd.
   * Returns a stop function; `close()` stops every refresh.
   */
  startRefresh(intervalMs?: number): () => void {
    const interval = intervalMs ?? defaultRefreshInterval(this.#options.ttlMs);
    if (!Number.isInteger(interval) || interval < 1 || interval > MAX_DELAY_MS) {
      throw ValidationError.forField("intervalMs", "must be a whole number of milliseconds from 1 to 2147483647");
    }
    void this.#refresh();
    const timer = setInterval(() => void this.#refresh(), interval);
    timer.unref();
    this.#timers.add(timer);
    return () => {
      clearInterval(timer);
      this.#timers.delete(timer);
    };
  }

  /** `GET /health` within the timeout. Never rejects; leaves the cache, `connected` and the stats alone. */
  async health(): Promise<PsiHealth> {
    const url = new URL("health", this.#options.baseUrl);
    const what = `GET ${url.pathname}`;
    const clock = this.#options.clock;
    const started = clock.now();
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    const latency = () => Math.max(0, clock.now() - started);
    try {
      const response = await this.#options.fetch(url, { signal });
      const latency_ms = latency();
      await response.body?.cancel().catch(() => undefined);
      return {
        ok: response.ok,
        status: response.status,
        latency_ms,
        error: response.ok ? null : `HTTP ${response.status} (${what})`,
      };
    } catch (error) {
      return { ok: false, status: null, latency_ms: latency(), error: this.#classify(error, signal, what).message };
    }
  }

  /** The last refresh succeeded. */
  get connected(): boolean {
    return this.#stats.connected;
  }

  stats(): PsiClientStats {
    return { ...this.#stats };
  }

  /**
   * Stops every background refresh and aborts a request in flight (its callers get the value
   * from memory; the abort is not counted as a failure). Idempotent, and not terminal: a later
   * getMetrics or startRefresh works as before.
   */
  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
    this.#inFlightAbort?.abort(new DOMException("the PsiClient was closed", "AbortError"));
    // Forget the aborted refresh so the next call starts its own instead of joining it.
    this.#inFlight = null;
    this.#inFlightAbort = null;
  }

  /** One shared refresh: callers arriving while it runs get the same promise. Never rejects. */
  #refresh(): Promise<PsiReading> {
    if (this.#inFlight !== null) return this.#inFlight;
    const controller = new AbortController();
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const onTimeout = () => controller.abort(timeout.reason);
    timeout.addEventListener("abort", onTimeout, { once: true });
    const run: Promise<PsiReading> = this.#fetchGoodValue(controller.signal)
      .then(
        (good): PsiReading => {
          this.#last = good;
          this.#dispatch({ type: "success", at: good.fetched_at });
          return { metrics: good.metrics, source: "live", fetched_at: good.fetched_at, endpoint: good.endpoint };
        },
        (error: unknown): PsiReading => {
          const failure = this.#classify(error, controller.signal, "refresh");
          if (failure.kind !== "closed") this.#dispatch({ type: "failure", kind: failure.kind, reason: failure.message });
          return this.#safePeek();
        },
      )
      .catch(() => this.#safePeek())
      .finally(() => {
        timeout.removeEventListener("abort", onTimeout);
        if (this.#inFlight === run) {
          this.#inFlight = null;
          this.#inFlightAbort = null;
        }
      });
    this.#inFlight = run;
    this.#inFlightAbort = controller;
    return run;
  }

  /** Asks the service; throws a PsiFetchError (or whatever fetch threw, classified by the caller). */
  async #fetchGoodValue(signal: AbortSignal): Promise<GoodValue> {
    const auto = this.#options.endpoint === "auto";
    const order: PsiEndpoint[] = auto
      ? [this.#preferred, this.#preferred === "state" ? "api/metrics" : "state"]
      : [this.#options.endpoint as PsiEndpoint];
    const notFound: string[] = [];
    for (const endpoint of order) {
      const url = new URL(endpoint, this.#options.baseUrl);
      const what = `GET ${url.pathname}`;
      try {
        const response = await this.#options.fetch(url, { signal, headers: { accept: "application/json" } });
        if (!response.ok) {
          await response.body?.cancel().catch(() => undefined);
          if (response.status === 404 && auto) {
            notFound.push(what);
            continue;
          }
          throw new PsiFetchError("http", `HTTP ${response.status} (${what})`);
        }
        let text: string;
        try {
          text = await readTextCapped(response, MAX_BODY_BYTES, what);
        } catch (error) {
          // The answer came (2xx) but its compressed body does not decode: a bad body, not a failed connection.
          const code = zlibCode(error);
          if (code !== undefined && !signal.aborted) {
            throw new PsiFetchError("invalid", `invalid body (${what}): its compressed body does not decode (${code})`, {
              cause: error,
            });
          }
          throw error;
        }
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (error) {
          throw new PsiFetchError("invalid", `invalid body (${what}): not JSON`, { cause: error });
        }
        const parsed = parsePsiFieldBody(endpoint, body);
        if (!parsed.ok) throw new PsiFetchError("invalid", `invalid body (${what}): ${parsed.reason}`);
        if (auto) this.#preferred = endpoint;
        return { metrics: parsed.metrics, fetched_at: this.#options.clock.now(), endpoint };
      } catch (error) {
        throw this.#classify(error, signal, what);
      }
    }
    throw new PsiFetchError("http", `HTTP 404 (${notFound.join(", ")})`);
  }

  #classify(error: unknown, signal: AbortSignal, what: string): PsiFetchError {
    if (error instanceof PsiFetchError) return error;
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      if (reason instanceof Error && reason.name === "TimeoutError") {
        return new PsiFetchError("timeout", `timeout after ${this.#options.timeoutMs} ms (${what})`, { cause: error });
      }
      return new PsiFetchError("closed", `aborted by close() (${what})`, { cause: error });
    }
    return new PsiFetchError("network", `connection failed (${what}): ${describeNetworkError(error)}`, { cause: error });
  }

  #safePeek(): PsiReading {
    try {
      return this.peek();
    } catch {
      return NEUTRAL_READING;
    }
  }

  #dispatch(event: PsiClientEvent): void {
    this.#stats = reducePsiClientStats(this.#stats, event);
  }
}

/** Half the TTL, so a fresh value is always waiting; at least 100 ms, and at most the longest delay a timer takes. */
function defaultRefreshInterval(ttlMs: number): number {
  return Math.min(MAX_DELAY_MS, Math.max(MIN_DEFAULT_INTERVAL_MS, Math.floor(ttlMs / 2)));
}

/**
 * The text is fetch's, not ours, and may quote a URL with a password (a custom fetch's proxy,
 * say): it is redacted, since it ends up in `last_error` and `health().error`.
 */
/** A zlib decoding error's code (`Z_DATA_ERROR`, `Z_BUF_ERROR`, …), on the error or its cause. */
function zlibCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === "string" && e.code.startsWith("Z_")) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

function describeNetworkError(error: unknown): string {
  return redactUrlCredentials(fetchErrorText(error));
}

/** Node's fetch hides the socket error in `cause` (e.g. ECONNREFUSED, ENOTFOUND). */
function fetchErrorText(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string" && cause.message !== "") return cause.message;
  if (error instanceof Error && error.message !== "") return error.message;
  return String(error);
}
