export type { Clock } from "./clock.js";
export { ManualClock, systemClock } from "./clock.js";
export { hasDistinctProviderIds } from "./distinct-ids.js";
export { AuroraError, DuplicateFeedbackError, LateFeedbackError, UnknownDecisionError } from "./errors.js";
export { IdColumn } from "./id-column.js";
export type { JsonPieces } from "./json-pieces.js";
export { hasJsonPieces, JSON_PIECES } from "./json-pieces.js";
export type { Predicate } from "./predicate-refinement.js";
export { predicateOf, predicateRefinement } from "./predicate-refinement.js";
export type { Rng } from "./rng.js";
export { createRng, normal } from "./rng.js";
export type {
  Constraints,
  ConstraintsInput,
  Context,
  ContextInput,
  DecideRequest,
  DecideRequestInput,
  Outcome,
  OutcomeInput,
  Provider,
  ProviderInput,
  PsiMetrics,
} from "./schemas.js";
export {
  constraintsSchema,
  contextSchema,
  decideRequestSchema,
  idSchema,
  MAX_COST_USD,
  MAX_GPU_HOURS,
  MAX_LATENCY_MS,
  MAX_PRICE_USD_PER_HOUR,
  MAX_PROVIDERS_PER_REQUEST,
  MAX_REWARD_MAGNITUDE,
  outcomeSchema,
  providerSchema,
  providersSchema,
  psiMetricsSchema,
} from "./schemas.js";
export { stateKey } from "./state-key.js";
export { int32LittleEndian, seededStringHash, stringFingerprint } from "./string-hash.js";
export type { ValidationIssue } from "./validation-error.js";
export { formatPath, parseWith, toValidationError, ValidationError } from "./validation-error.js";
export type { AuditStatus, ViolationType } from "./violation.js";
export { VIOLATION_TYPES } from "./violation.js";
