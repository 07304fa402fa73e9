export { compliantProviders, violationsOf } from "./compliance.js";
export { RouterFailedError, ScenarioNotFoundError, ScenarioReadError } from "./errors.js";
export { expectedReward, noDecisionReward } from "./expected-reward.js";
export { listScenarios, loadScenario, scenariosDirectory } from "./load-scenario.js";
export type { MarketOptions, ProviderTruth } from "./market.js";
export { Market } from "./market.js";
export type { OracleRouterOptions } from "./oracle-router.js";
export { oracleRouter } from "./oracle-router.js";
export type { RandomRouterOptions } from "./random-router.js";
export { randomRouter } from "./random-router.js";
export type { SimEvent } from "./resolve-events.js";
export type { RouterResult } from "./router-tally.js";
export type { RuleRouterOptions, RuleWeights } from "./rule-router.js";
export { RULE_WEIGHTS, ruleRouter, ruleScore } from "./rule-router.js";
export type { SimulationOptions, SimulationResult } from "./run-simulation.js";
export { runSimulation } from "./run-simulation.js";
export type {
  Scenario,
  ScenarioEvent,
  ScenarioEventType,
  ScenarioInput,
  ScenarioProvider,
  StepOrShare,
  Tenant,
  Workload,
} from "./scenario.js";
export { MAX_DECISIONS, parseScenario, scenarioSchema } from "./scenario.js";
export type { RewardFn, SimDecision, SimOutcome, SimRequest, SimRouter, SimRun } from "./sim-router.js";
