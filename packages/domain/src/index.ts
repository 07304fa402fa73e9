export { AuroraError, UnknownDecisionError, DuplicateFeedbackError, LateFeedbackError } from "./errors.js";
export { ValidationError, formatPath, toValidationError, parseWith } from "./validation-error.js";
export type { ValidationIssue } from "./validation-error.js";
export { createRng, normal } from "./rng.js";
export type { Rng } from "./rng.js";
export { systemClock, ManualClock } from "./clock.js";
export type { Clock } from "./clock.js";
export { stateKey } from "./state-key.js";
export { VIOLATION_TYPES } from "./violation.js";
export type { ViolationType, AuditStatus } from "./violation.js";
export {
  idSchema,
  contextSchema,
  providerSchema,
  providersSchema,
  constraintsSchema,
  psiMetricsSchema,
  outcomeSchema,
  decideRequestSchema,
} from "./schemas.js";
export type {
  Context,
  ContextInput,
  Provider,
  ProviderInput,
  Constraints,
  ConstraintsInput,
  PsiMetrics,
  Outcome,
  OutcomeInput,
  DecideRequest,
  DecideRequestInput,
} from "./schemas.js";
