export { parseScenario, scenarioSchema } from "./scenario.js";
export type {
  Scenario,
  ScenarioInput,
  ScenarioProvider,
  ScenarioEvent,
  ScenarioEventType,
  Tenant,
  Workload,
  StepOrShare,
} from "./scenario.js";
export { listScenarios, loadScenario, scenariosDirectory } from "./load-scenario.js";
export { Market } from "./market.js";
export type { MarketOptions, ProviderTruth } from "./market.js";
export type { SimEvent } from "./resolve-events.js";
export type { SimRouter, SimRequest, SimDecision, SimOutcome, SimRun, RewardFn } from "./sim-router.js";
export { violationsOf, compliantProviders } from "./compliance.js";
export { expectedReward, noDecisionReward } from "./expected-reward.js";
export { randomRouter } from "./random-router.js";
export type { RandomRouterOptions } from "./random-router.js";
export { ruleRouter, ruleScore, RULE_WEIGHTS } from "./rule-router.js";
export type { RuleRouterOptions, RuleWeights } from "./rule-router.js";
export { oracleRouter } from "./oracle-router.js";
export type { OracleRouterOptions } from "./oracle-router.js";
export { runSimulation } from "./run-simulation.js";
export type { SimulationOptions, SimulationResult } from "./run-simulation.js";
export type { RouterResult } from "./router-tally.js";
export { ScenarioNotFoundError, RouterFailedError } from "./errors.js";
