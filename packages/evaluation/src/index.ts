export { AlwaysProvider, alwaysProvider } from "./always-provider.js";
export type { CliIo } from "./cli.js";
export { runCli } from "./cli.js";
export type { TargetPolicySpec } from "./create-target-policy.js";
export { createTargetPolicy } from "./create-target-policy.js";
export type { DecisionLogLine, DecisionLogLineInput, LoggedOutcome, Resolution } from "./decision-log-line.js";
export {
  decisionLogLineSchema,
  loggedOutcomeSchema,
  MAX_INVERSE_PROPENSITY,
  MIN_PROPENSITY,
  RESOLUTIONS,
} from "./decision-log-line.js";
export type { DoublyRobustOptions } from "./doubly-robust.js";
export { doublyRobust } from "./doubly-robust.js";
export { CliUsageError, DecisionLogError, NonFiniteEstimateError, NoOverlapError, TargetPolicyError } from "./errors.js";
export type { EstimatorOptions, IntervalMethod } from "./estimator-options.js";
export type { EstimatorName, EvaluationOptions, PolicyEvaluation } from "./evaluate-policy.js";
export { ESTIMATOR_NAMES, evaluatePolicy } from "./evaluate-policy.js";
export type { ImportanceWeights } from "./importance-weights.js";
export { importanceWeights } from "./importance-weights.js";
export { ips } from "./ips.js";
export type { LoggedSample } from "./logged-sample.js";
export { loggedValue } from "./logged-value.js";
export type { OffPolicyEstimate } from "./off-policy-estimate.js";
export type { PolicyTargetOptions } from "./policy-target.js";
export { policyTarget } from "./policy-target.js";
export type { ReadDecisionLogOptions } from "./read-decision-log.js";
export { DEFAULT_MAX_LINE_BYTES, parseDecisionLog, parseDecisionLogLine, readDecisionLog } from "./read-decision-log.js";
export { replayTarget } from "./replay-target.js";
export type { RewardModel, RewardModelFactory } from "./reward-model.js";
export { fitMeanRewardModel } from "./reward-model.js";
export { snips } from "./snips.js";
export type { TargetPolicy } from "./target-policy.js";
