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
export { AbSplitPolicy } from "./ab-split-policy.js";
export type { BanditParams } from "./bandit-options.js";
export type { FeatureCross } from "./context-features.js";
export { effectiveEpsilon, epsilonGreedyPropensities, epsilonGreedyPropensity } from "./epsilon-greedy.js";
export type { EvidenceSummary } from "./guardrail-evidence.js";
export type { GuardrailOptions, GuardrailParams, GuardrailScope, GuardrailSettings } from "./guardrail-options.js";
export { GUARDRAIL_DEFAULTS, guardedPolicyConfig } from "./guardrail-options.js";
export type { GuardrailPolicyOptions, GuardrailSnapshot, GuardrailStats } from "./guardrail-policy.js";
export { DEFAULT_BASELINE, GuardrailPolicy } from "./guardrail-policy.js";
export type { LearningPolicySnapshot } from "./learning-policy-snapshot.js";
export type {
  LinThompsonOptions,
  LinThompsonParams,
  LinThompsonPolicyOptions,
  LinThompsonSnapshot,
} from "./lin-thompson-policy.js";
export { LinThompsonPolicy } from "./lin-thompson-policy.js";
export type { LinUcbOptions, LinUcbParams, LinUcbPolicyOptions, LinUcbSnapshot } from "./lin-ucb-policy.js";
export { LinUcbPolicy } from "./lin-ucb-policy.js";
export type { LinearModelParams } from "./linear-model-options.js";
export type {
  LinearValueOptions,
  LinearValueParams,
  LinearValuePolicyOptions,
  LinearValueSnapshot,
} from "./linear-value-policy.js";
export { LinearValuePolicy } from "./linear-value-policy.js";
export type { QLearningSnapshot } from "./model-snapshot.js";
export type {
  Choice,
  ChooseRequest,
  DecisionMode,
  Policy,
  PolicySnapshot,
  RecordedChoice,
  RewardUpdate,
  StrategistStats,
  UpdateResult,
} from "./policy.js";
export type { PolicyCatalogEntry } from "./policy-catalog.js";
export { policyCatalog } from "./policy-catalog.js";
export type { PolicyConfig, PolicyDeps } from "./policy-registry.js";
export { createPolicy, MAX_POLICY_DEPTH, policyKinds } from "./policy-registry.js";
export type { QLearningOptions, QLearningParams } from "./q-learning-options.js";
export { Q_LEARNING_DEFAULTS } from "./q-learning-options.js";
export { replayDecision } from "./replay-decision.js";
export type { PolicyRewardWeights } from "./reward-decomposition.js";
export { DEFAULT_POLICY_REWARD_WEIGHTS, knownReward } from "./reward-decomposition.js";
export type { RuleSnapshot } from "./rule-policy.js";
export { RulePolicy } from "./rule-policy.js";
export type { RuleOptions, RuleParams, RuleWeights } from "./rule-score.js";
export { RULE_WEIGHTS, ruleScore } from "./rule-score.js";
export type { RewardSummary } from "./running-stats.js";
export type { ShadowOptions, ShadowPolicyOptions, ShadowSnapshot, ShadowStats } from "./shadow-policy.js";
export { ShadowPolicy } from "./shadow-policy.js";
export type { SoftmaxOptions, SoftmaxParams, SoftmaxPolicyOptions, SoftmaxSnapshot } from "./softmax-policy.js";
export { SoftmaxPolicy } from "./softmax-policy.js";
export type { Recommendation, StrategistOptions } from "./strategist.js";
export { Strategist } from "./strategist.js";
export type { ThompsonOptions, ThompsonParams, ThompsonPolicyOptions, ThompsonSnapshot } from "./thompson-policy.js";
export { ThompsonPolicy } from "./thompson-policy.js";
export type { Ucb1Options, Ucb1Params, Ucb1PolicyOptions, Ucb1Snapshot } from "./ucb1-policy.js";
export { Ucb1Policy } from "./ucb1-policy.js";
