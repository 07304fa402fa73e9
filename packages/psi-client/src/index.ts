export { NEUTRAL_PSI_METRICS } from "./neutral-psi-metrics.js";
export type { PsiHealth } from "./psi-client.js";
export { PsiClient } from "./psi-client.js";
export type { PsiClientOptions } from "./psi-client-options.js";
export { DEFAULT_TIMEOUT_MS, DEFAULT_TTL_MS } from "./psi-client-options.js";
export type { PsiClientStats } from "./psi-client-stats.js";
export type { ApiMetricsBody, PsiBodyResult, StateBody } from "./psi-field-body.js";
export { apiMetricsBodySchema, parsePsiFieldBody, stateBodySchema } from "./psi-field-body.js";
export type { PsiEndpoint, PsiReading, PsiSource } from "./psi-reading.js";
