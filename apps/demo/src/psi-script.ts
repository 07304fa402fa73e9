import type { SimEvent } from "@aurora/simulator";
import type { PsiFieldState } from "./psi-field-stand-in.js";

/** The stand-in's Ψ density while the market is settled. */
export const PSI_CALM_DENSITY = 0.9;
/** Its density for a while after the market changes (an event starts or ends). */
export const PSI_DISTURBED_DENSITY = 0.2;
/** How long a change disturbs the field, as a share of the run. */
const PSI_DISTURBANCE_SHARE = 0.05;
/** The stand-in's clock: step 0 is this instant, and each step is one minute later. */
export const PSI_START_MS = Date.UTC(2025, 0, 1);
const STEP_MS = 60_000;

/**
 * The scripted Ψ density at each step: {@link PSI_DISTURBED_DENSITY} for the first
 * ⌈5 %⌉ of the run's steps after any event starts or ends, {@link PSI_CALM_DENSITY} otherwise.
 * With the seed's Ψ-aware exploration (ε·(1 − 0.5·d)) the engine explores at 0.9·ε just after
 * the market changes and at 0.55·ε once it has settled. A script, not a measurement: it
 * stands in for a real Ψ-Field so the effect can be seen.
 */
export function psiDensityScript(events: readonly SimEvent[], decisions: number): (step: number) => number {
  const window = Math.max(1, Math.ceil(PSI_DISTURBANCE_SHARE * decisions));
  const changes: number[] = [];
  for (const event of events) {
    changes.push(event.start);
    if (event.end !== null && event.end < decisions) changes.push(event.end);
  }
  return (step) => (changes.some((at) => step >= at && step < at + window) ? PSI_DISTURBED_DENSITY : PSI_CALM_DENSITY);
}

/** The `/state` body for a density: coherence rises and entropy falls with it; the other fields stay put. */
export function psiFieldState(density: number, step: number): PsiFieldState {
  const coherence = round(0.2 + 0.7 * density);
  return {
    Psi: density,
    C: coherence,
    U: 0.5,
    Phi: coherence,
    H: round(1 - 0.8 * density),
    PE: round(0.3 * (1 - density)),
    M: 0.5,
    dt_eff: 0.01,
    k: 3,
    timestamp: new Date(PSI_START_MS + step * STEP_MS).toISOString(),
  };
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
