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
