import type { PsiMetrics } from "@aurora/domain";

/**
 * Where a reading came from.
 * - `live`: fetched by this very call (or the request it joined);
 * - `cache`: the last good value, younger than the TTL;
 * - `stale`: the last good value, older than the TTL (the service failed or was not asked yet);
 * - `neutral`: no good value ever arrived, so the neutral metrics stand in.
 */
export type PsiSource = "live" | "cache" | "stale" | "neutral";

/** `state` is the real Ψ-Field service's `GET /state`; `api/metrics` is the seed's `GET /api/metrics`. */
export type PsiEndpoint = "state" | "api/metrics";

export interface PsiReading {
  metrics: PsiMetrics;
  source: PsiSource;
  /** Clock time (ms since the epoch) at which `metrics` arrived; null for neutral. */
  fetched_at: number | null;
  /** The endpoint that answered `metrics`; null for neutral. */
  endpoint: PsiEndpoint | null;
}
