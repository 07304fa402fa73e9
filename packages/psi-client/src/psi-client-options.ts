import type { Clock } from "@aurora/domain";
import { parseWith, systemClock, ValidationError } from "@aurora/domain";
import { z } from "zod";

export interface PsiClientOptions {
  /** Where the Ψ-Field listens, e.g. `http://psi-field:9091`; a path prefix is kept. */
  baseUrl: string;
  /** Most one refresh may take, in ms, the auto fallback and the body included. Default 250. */
  timeoutMs?: number;
  /** How long a good value is served from memory without asking again, in ms. Default 5,000. */
  ttlMs?: number;
  /** Default `auto`: `GET /state`, and on 404 `GET /api/metrics`, remembering which answered. */
  endpoint?: "auto" | "state" | "api/metrics";
  /** Default `globalThis.fetch`. For a custom agent or proxy, not for mocking. */
  fetch?: typeof fetch;
  /** Default the system clock. Drives the TTL, `fetched_at` and `last_success_at`. */
  clock?: Clock;
}

export interface ResolvedPsiClientOptions {
  baseUrl: URL;
  timeoutMs: number;
  ttlMs: number;
  endpoint: "auto" | "state" | "api/metrics";
  fetch: typeof fetch;
  clock: Clock;
}

export const DEFAULT_TIMEOUT_MS = 250;
export const DEFAULT_TTL_MS = 5_000;
/** setTimeout's largest delay. */
export const MAX_DELAY_MS = 2_147_483_647;

const tuningSchema = z.object({
  timeoutMs: z
    .number({ error: "must be a whole number of milliseconds from 1 to 2147483647" })
    .int({ error: "must be a whole number of milliseconds from 1 to 2147483647" })
    .min(1, { error: "must be at least 1 ms" })
    .max(MAX_DELAY_MS, { error: "must be at most 2147483647 ms" })
    .default(DEFAULT_TIMEOUT_MS),
  ttlMs: z
    .number({ error: "must be a whole number of milliseconds ≥ 0 (0 disables the cache)" })
    .int({ error: "must be a whole number of milliseconds ≥ 0 (0 disables the cache)" })
    .min(0, { error: "must be ≥ 0 ms (0 disables the cache)" })
    .default(DEFAULT_TTL_MS),
  endpoint: z.enum(["auto", "state", "api/metrics"], { error: 'must be "auto", "state" or "api/metrics"' }).default("auto"),
});

/** Validates the options, naming the offending field in a `ValidationError`. */
export function resolvePsiClientOptions(options: PsiClientOptions): ResolvedPsiClientOptions {
  if (typeof options !== "object" || options === null) {
    throw ValidationError.forField("psiFieldUrl", 'options are required: pass { baseUrl: "http://psi-field:9091" }');
  }
  const baseUrl = parsePsiFieldUrl(options.baseUrl);
  const tuning = parseWith(tuningSchema, {
    timeoutMs: options.timeoutMs,
    ttlMs: options.ttlMs,
    endpoint: options.endpoint,
  });
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw ValidationError.forField("fetch", "must be a fetch function, or left out to use globalThis.fetch");
  }
  if (options.clock !== undefined && typeof options.clock?.now !== "function") {
    throw ValidationError.forField("clock", "must be an object with a now() method returning ms since the epoch");
  }
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return { baseUrl, ...tuning, fetch: fetchFn, clock: options.clock ?? systemClock };
}

/**
 * An absolute http(s) URL without credentials, query or fragment. The field is named `psiFieldUrl`,
 * the engine's option, because that is where a person will have to fix it.
 * The returned URL's path ends with "/" so endpoints resolve beneath it.
 */
export function parsePsiFieldUrl(value: unknown): URL {
  const hint = "must be an absolute http(s) URL such as http://psi-field:9091";
  if (typeof value !== "string" || value.trim() === "") {
    throw ValidationError.forField("psiFieldUrl", hint);
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch (error) {
    // Text with an "@" may hold a password (user:pass@host): echo neither it nor the parser's error, whose `input` is the value.
    if (value.includes("@")) throw ValidationError.forField("psiFieldUrl", hint);
    throw new ValidationError([{ field: "psiFieldUrl", message: `${hint} (got "${value}")` }], { cause: error });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw ValidationError.forField("psiFieldUrl", `${hint} (got protocol "${url.protocol}")`);
  }
  // fetch refuses a URL with credentials (every request would fail), and its error would carry the password.
  if (url.username !== "" || url.password !== "") {
    throw ValidationError.forField(
      "psiFieldUrl",
      `${hint}, without credentials: remove the user:password@ part (got one for host "${url.host}"); to authenticate, pass a fetch that adds an Authorization header`,
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw ValidationError.forField("psiFieldUrl", `${hint}, without a query or fragment (got "${value}")`);
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}
