import type { PsiFailureKind } from "./psi-fetch-error.js";

export interface PsiClientStats {
  /** getMetrics calls answered from memory within the TTL. */
  hits: number;
  /** getMetrics calls that needed the service (including those that joined a request in flight). */
  misses: number;
  /** Failed refreshes, of every kind; `timeouts` and `invalid` are parts of it. */
  errors: number;
  timeouts: number;
  /** Refreshes answered 2xx with a body that is not the expected JSON. */
  invalid: number;
  /** ISO time of the last good value, by the client's clock. */
  last_success_at: string | null;
  /** Short reason of the last failure; kept after a later success (see `connected`). */
  last_error: string | null;
  /** The last refresh succeeded. */
  connected: boolean;
}

/** Every change to the stats is one of these, applied by `reducePsiClientStats`. */
export type PsiClientEvent =
  | { type: "hit" }
  | { type: "miss" }
  | { type: "success"; at: number }
  | { type: "failure"; kind: Exclude<PsiFailureKind, "closed">; reason: string };

export function initialPsiClientStats(): PsiClientStats {
  return {
    hits: 0,
    misses: 0,
    errors: 0,
    timeouts: 0,
    invalid: 0,
    last_success_at: null,
    last_error: null,
    connected: false,
  };
}

const MAX_REASON_LENGTH = 200;

export function reducePsiClientStats(stats: PsiClientStats, event: PsiClientEvent): PsiClientStats {
  switch (event.type) {
    case "hit":
      return { ...stats, hits: stats.hits + 1 };
    case "miss":
      return { ...stats, misses: stats.misses + 1 };
    case "success":
      return { ...stats, connected: true, last_success_at: toIso(event.at) };
    case "failure":
      return {
        ...stats,
        connected: false,
        errors: stats.errors + 1,
        timeouts: stats.timeouts + (event.kind === "timeout" ? 1 : 0),
        invalid: stats.invalid + (event.kind === "invalid" ? 1 : 0),
        last_error: event.reason.length > MAX_REASON_LENGTH ? `${event.reason.slice(0, MAX_REASON_LENGTH - 1)}…` : event.reason,
      };
  }
}

/** A clock that returns nonsense must not make stats() throw. */
function toIso(ms: number): string | null {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
