export type { AppDependencies } from "./app.js";
export { buildApp } from "./app.js";
export type { GuardrailSettingsJson, LogLevel, PolicyConfigJson, SidecarConfig } from "./config.js";
export { LOG_LEVELS, parseConfig } from "./config.js";
export type { ConfigProblem } from "./config-error.js";
export { ConfigError } from "./config-error.js";
export { engineOptionsFrom } from "./engine-plugin.js";
export type { OpenApiOptions } from "./openapi.js";
export { buildOpenApiDocument } from "./openapi.js";
export {
  auditEntrySchema,
  auditResponseSchema,
  candidateExplanationSchema,
  decideResponseSchema,
  decisionMetadataSchema,
  decisionViewSchema,
  errorResponseSchema,
  feedbackResponseSchema,
  healthResponseSchema,
  policiesResponseSchema,
  readinessResponseSchema,
  statusResponseSchema,
  unauthorizedResponseSchema,
} from "./response-schemas.js";
export type { EngineGauges, FeedbackOutcome, SidecarMetricsOptions } from "./sidecar-metrics.js";
export { SidecarMetrics } from "./sidecar-metrics.js";
