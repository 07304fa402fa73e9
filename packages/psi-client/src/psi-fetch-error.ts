import { AuroraError } from "@aurora/domain";

/**
 * - `timeout`: no complete answer within `timeoutMs`;
 * - `network`: no HTTP answer at all (refused, reset, DNS);
 * - `http`: a status other than 2xx;
 * - `invalid`: a 2xx whose body is not the expected JSON;
 * - `closed`: `close()` aborted the request (not a failure of the service).
 */
export type PsiFailureKind = "timeout" | "network" | "http" | "invalid" | "closed";

/** Why one refresh from the Ψ-Field failed. Internal: the client records it, never throws it. */
export class PsiFetchError extends AuroraError {
  readonly kind: PsiFailureKind;

  constructor(kind: PsiFailureKind, message: string, options?: { cause?: unknown }) {
    super("PSI_FETCH_FAILED", message, options);
    this.kind = kind;
  }
}
