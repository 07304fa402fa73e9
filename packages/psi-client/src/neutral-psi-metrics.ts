import type { PsiMetrics } from "@aurora/domain";

/**
 * Stands in when the Ψ-Field never answered well. Density 0 leaves exploration unchanged,
 * since the strategist uses ε_eff = ε·(1 − 0.5·d).
 */
export const NEUTRAL_PSI_METRICS: PsiMetrics = Object.freeze({ density: 0 });
