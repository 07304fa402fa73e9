export { Strategist } from "./strategist.js";
export type { StrategistOptions, Recommendation } from "./strategist.js";
export { createPolicy, policyKinds } from "./policy-registry.js";
export type { PolicyConfig, PolicyDeps } from "./policy-registry.js";
export type {
  ChooseRequest,
  DecisionMode,
  Choice,
  RewardUpdate,
  UpdateResult,
  StrategistStats,
  Policy,
  PolicySnapshot,
} from "./policy.js";
export { Q_LEARNING_DEFAULTS } from "./q-learning-options.js";
export type { QLearningOptions, QLearningParams } from "./q-learning-options.js";
export type { QLearningSnapshot } from "./model-snapshot.js";
export { effectiveEpsilon, epsilonGreedyPropensity, epsilonGreedyPropensities } from "./epsilon-greedy.js";
export { RulePolicy } from "./rule-policy.js";
export type { RuleSnapshot } from "./rule-policy.js";
export { ruleScore, RULE_WEIGHTS } from "./rule-score.js";
export type { RuleOptions, RuleParams, RuleWeights } from "./rule-score.js";
export { AbSplitPolicy } from "./ab-split-policy.js";
export type {
  AbArm,
  AbArmConfig,
  AbArmStats,
  AbAssignment,
  AbSplitOptions,
  AbSplitPolicyOptions,
  AbSplitSnapshot,
  AbSplitStats,
} from "./ab-split-policy.js";
export { ShadowPolicy } from "./shadow-policy.js";
export type { ShadowOptions, ShadowPolicyOptions, ShadowSnapshot, ShadowStats } from "./shadow-policy.js";
export { GuardrailPolicy, DEFAULT_BASELINE } from "./guardrail-policy.js";
export type { GuardrailPolicyOptions, GuardrailSnapshot, GuardrailStats } from "./guardrail-policy.js";
export { GUARDRAIL_DEFAULTS } from "./guardrail-options.js";
export type { GuardrailOptions, GuardrailParams, GuardrailScope, GuardrailSettings } from "./guardrail-options.js";
export type { EvidenceSummary } from "./guardrail-evidence.js";
export type { RewardSummary } from "./running-stats.js";
