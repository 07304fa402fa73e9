export { PsiClient } from "./psi-client.js";
export type { PsiHealth } from "./psi-client.js";
export { NEUTRAL_PSI_METRICS } from "./neutral-psi-metrics.js";
export { DEFAULT_TIMEOUT_MS, DEFAULT_TTL_MS } from "./psi-client-options.js";
export type { PsiClientOptions } from "./psi-client-options.js";
export type { PsiClientStats } from "./psi-client-stats.js";
export type { PsiEndpoint, PsiReading, PsiSource } from "./psi-reading.js";
export { parsePsiFieldBody, stateBodySchema, apiMetricsBodySchema } from "./psi-field-body.js";
export type { PsiBodyResult, StateBody, ApiMetricsBody } from "./psi-field-body.js";
