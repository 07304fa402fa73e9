export { RoutingEngine } from "./routing-engine.js";
export type { Alternative, DecideResult, EngineEvent, DecisionMetadata, DecisionModeOrNone, EngineStatus } from "./routing-engine.js";
export type { CandidateExplanation, CandidateStatus, DecisionView } from "./decision-archive.js";
export { engineOptionsSchema } from "./engine-options.js";
export type { RoutingEngineOptions } from "./engine-options.js";
export { ModelFileError, writeFileAtomic } from "./model-file.js";
export {
  AuroraError,
  ValidationError,
  UnknownDecisionError,
  DuplicateFeedbackError,
  LateFeedbackError,
  createRng,
  ManualClock,
} from "@aurora/domain";
export type {
  Clock,
  Constraints,
  ConstraintsInput,
  Context,
  ContextInput,
  DecideRequestInput,
  Outcome,
  OutcomeInput,
  Provider,
  ProviderInput,
  PsiMetrics,
  Rng,
  ViolationType,
} from "@aurora/domain";
