import type { PsiMetrics } from "@aurora/domain";
import { formatPath, psiMetricsSchema } from "@aurora/domain";
import { z } from "zod";
import type { PsiEndpoint } from "./psi-reading.js";

const finite = z.number({ error: "must be a finite number" });
const notAnObject = { error: "must be a JSON object" };

/**
 * The real service's `GET /state`. Only the fields we map are checked; the others
 * (U, PE, M, dt_eff, k, timestamp, anything new) pass through unread.
 */
export const stateBodySchema = z.looseObject(
  {
    Psi: psiMetricsSchema.shape.density,
    C: finite.optional(),
    Phi: finite.optional(),
    H: finite.optional(),
  },
  notAnObject,
);
export type StateBody = z.output<typeof stateBodySchema>;

/** The seed engine's `GET /api/metrics`. */
export const apiMetricsBodySchema = z.looseObject(
  {
    psi_density: psiMetricsSchema.shape.density,
    psi_coherence: finite.optional(),
    psi_entropy: finite.optional(),
  },
  notAnObject,
);
export type ApiMetricsBody = z.output<typeof apiMetricsBodySchema>;

export type PsiBodyResult = { ok: true; metrics: PsiMetrics } | { ok: false; reason: string };

/**
 * Maps a parsed JSON body to Ψ metrics. A missing, mistyped or out-of-range density makes
 * the whole body invalid. Coherence and entropy are optional: a finite value outside [0, 1]
 * is dropped (not clamped), because clamping would report a certainty the service did not
 * give; a present value that is not a finite number makes the body invalid.
 */
export function parsePsiFieldBody(endpoint: PsiEndpoint, body: unknown): PsiBodyResult {
  if (endpoint === "state") {
    const parsed = stateBodySchema.safeParse(body);
    if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
    const { Psi, C, Phi, H } = parsed.data;
    return { ok: true, metrics: build(Psi, firstUnit([C, Phi]), firstUnit([H])) };
  }
  const parsed = apiMetricsBodySchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
  const { psi_density, psi_coherence, psi_entropy } = parsed.data;
  return { ok: true, metrics: build(psi_density, firstUnit([psi_coherence]), firstUnit([psi_entropy])) };
}

function firstUnit(candidates: ReadonlyArray<number | undefined>): number | undefined {
  return candidates.find((value) => value !== undefined && value >= 0 && value <= 1);
}

function build(density: number, coherence: number | undefined, entropy: number | undefined): PsiMetrics {
  const metrics: PsiMetrics = { density };
  if (coherence !== undefined) metrics.coherence = coherence;
  if (entropy !== undefined) metrics.entropy = entropy;
  return Object.freeze(metrics);
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "does not match the expected shape";
  return `${formatPath(issue.path)}: ${issue.message}`;
}
