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
export { Ucb1Policy } from "./ucb1-policy.js";
export type { Ucb1Options, Ucb1Params, Ucb1PolicyOptions, Ucb1Snapshot } from "./ucb1-policy.js";
export { ThompsonPolicy } from "./thompson-policy.js";
export type { ThompsonOptions, ThompsonParams, ThompsonPolicyOptions, ThompsonSnapshot } from "./thompson-policy.js";
export { SoftmaxPolicy } from "./softmax-policy.js";
export type { SoftmaxOptions, SoftmaxParams, SoftmaxPolicyOptions, SoftmaxSnapshot } from "./softmax-policy.js";
export { LinUcbPolicy } from "./lin-ucb-policy.js";
export type { LinUcbOptions, LinUcbParams, LinUcbPolicyOptions, LinUcbSnapshot } from "./lin-ucb-policy.js";
export { LinThompsonPolicy } from "./lin-thompson-policy.js";
export type { LinThompsonOptions, LinThompsonParams, LinThompsonPolicyOptions, LinThompsonSnapshot } from "./lin-thompson-policy.js";
export { LinearValuePolicy } from "./linear-value-policy.js";
export type { LinearValueOptions, LinearValueParams, LinearValuePolicyOptions, LinearValueSnapshot } from "./linear-value-policy.js";
export type { BanditParams } from "./bandit-options.js";
export type { LinearModelParams } from "./linear-model-options.js";
export type { FeatureCross } from "./context-features.js";
export type { LearningPolicySnapshot } from "./learning-policy-snapshot.js";
export { DEFAULT_POLICY_REWARD_WEIGHTS, knownReward } from "./reward-decomposition.js";
export type { PolicyRewardWeights } from "./reward-decomposition.js";
export { policyCatalog } from "./policy-catalog.js";
export type { PolicyCatalogEntry } from "./policy-catalog.js";
