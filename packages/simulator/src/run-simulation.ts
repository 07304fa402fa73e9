import { ValidationError } from "@aurora/domain";
import { violationsOf } from "./compliance.js";
import { RouterFailedError } from "./errors.js";
import { expectedReward, noDecisionReward } from "./expected-reward.js";
import { loadScenario } from "./load-scenario.js";
import { Market } from "./market.js";
import type { SimEvent } from "./resolve-events.js";
import { type RouterResult, RouterTally } from "./router-tally.js";
import { parseScenario, type ScenarioInput } from "./scenario.js";
import type { RewardFn, SimDecision, SimOutcome, SimRouter } from "./sim-router.js";

export interface SimulationOptions {
  /** A built-in scenario's name, a path to a scenario file, or a scenario object. */
  scenario: ScenarioInput | string;
  /** Fresh routers: they are not reset between runs. Names must be distinct. */
  routers: readonly SimRouter[];
  /** Same seed, same requests and outcomes; any safe integer. */
  seed: number;
  /** Steps (one request each). Default: the scenario's `decisions`. */
  decisions?: number;
  reward: RewardFn;
  /** Steps per window of the series. Default: ⌈decisions / 100⌉. */
  sampleEvery?: number;
}

export interface SimulationResult {
  scenario: string;
  seed: number;
  decisions: number;
  sampleEvery: number;
  /** The step count at the end of each window: sampleEvery, 2·sampleEvery, …, decisions. */
  sampleSteps: number[];
  /** Every provider of the scenario, in its order. */
  providers: string[];
  /** The events that start within the run, with their steps. */
  events: SimEvent[];
  /**
   * Mean over steps of the oracle's value: the best expected reward among compliant providers, or the
   * failure reward (not placing the job) when that is higher or no provider complies.
   */
  oracleMeanExpectedReward: number;
  /** The reward of a failed job: the value of a step with no decision or a refused pick. */
  noDecisionReward: number;
  /** One per router, in the order given. */
  routers: RouterResult[];
}

/**
 * Runs every router over the same steps. At each step all routers see the same frozen
 * request; a provider's outcome at a step is the same whichever router picked it; each
 * router gets its feedback (awaited) right after its decision.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const { routers, seed } = options;
  checkRouters(routers);
  if (typeof options.reward !== "function")
    throw ValidationError.forField("reward", "must be a function (outcome, advertisedReputation) => number");
  const reward = finiteReward(options.reward);
  const scenario = typeof options.scenario === "string" ? loadScenario(options.scenario) : parseScenario(options.scenario);
  const market = new Market(scenario, { seed, decisions: options.decisions ?? scenario.decisions });
  const { decisions } = market;
  const sampleEvery = options.sampleEvery ?? Math.ceil(decisions / 100);
  if (!Number.isInteger(sampleEvery) || sampleEvery < 1) {
    throw ValidationError.forField("sampleEvery", `must be an integer ≥ 1 (steps per window), got ${String(sampleEvery)}`);
  }
  const providerIndex = new Map(market.providerIds.map((id, i) => [id, i]));
  const failureValue = noDecisionReward(reward);
  const tallies = routers.map((r) => new RouterTally(r.name, market.providerIds, sampleEvery, decisions));

  for (const router of routers) {
    try {
      router.start?.({ market, reward, seed, decisions });
    } catch (error) {
      throw new RouterFailedError(router.name, 0, "start", error);
    }
  }

  let oracleSum = 0;
  const expected = new Map<string, number>();
  for (let step = 0; step < decisions; step++) {
    const request = market.request(step);
    expected.clear();
    // Not placing the job is always open to a router, so the yardstick is never below it.
    let oracleValue = failureValue;
    for (const provider of request.providers) {
      if (violationsOf(provider, request).length > 0) continue;
      const value = expectedReward(market.truth(step, request.context, provider.provider_id), provider.reputation, reward);
      expected.set(provider.provider_id, value);
      if (value > oracleValue) oracleValue = value;
    }
    oracleSum += oracleValue;

    for (let r = 0; r < routers.length; r++) {
      const router = routers[r] as SimRouter;
      let decision: SimDecision;
      try {
        decision = router.decide(request, step);
      } catch (error) {
        throw new RouterFailedError(router.name, step, "decide", error);
      }
      const providerId = decision?.provider_id;
      if (providerId !== null && typeof providerId !== "string") {
        throw new RouterFailedError(
          router.name,
          step,
          "decide",
          new TypeError(`decide() must return { provider_id: string | null }, got ${JSON.stringify(decision)}`),
        );
      }
      const tally = tallies[r] as RouterTally;
      if (providerId === null) {
        tally.record({
          providerIndex: -1,
          value: failureValue,
          realised: failureValue,
          regret: oracleValue - failureValue,
          outcome: null,
          violation: false,
          extra: decision.extra,
        });
        continue;
      }

      const decisionId = decision.decision_id ?? `${router.name}#${step}`;
      const provider = request.providers.find((p) => p.provider_id === providerId);
      const value = expected.get(providerId);
      let outcome: SimOutcome;
      if (value !== undefined) {
        outcome = market.outcome(step, request.context, providerId, decisionId);
      } else {
        const reason =
          provider === undefined ? "unknown_provider" : `constraint_violation: ${violationsOf(provider, request).join(", ")}`;
        outcome = {
          decision_id: decisionId,
          success: false,
          actual_cost_usd: 0,
          actual_latency_ms: 0,
          error_reason: reason,
          provider_id: providerId,
        };
      }
      const stepValue = value ?? failureValue;
      tally.record({
        providerIndex: provider === undefined ? -1 : (providerIndex.get(providerId) as number),
        value: stepValue,
        realised: reward(outcome, provider?.reputation ?? 0),
        regret: oracleValue - stepValue,
        outcome,
        violation: value === undefined,
        extra: decision.extra,
      });
      try {
        const ack = router.feedback?.(outcome, step);
        if (ack !== undefined && ack !== null && typeof (ack as Promise<unknown>).then === "function") await ack;
      } catch (error) {
        throw new RouterFailedError(router.name, step, "feedback", error);
      }
    }
  }

  const sampleSteps: number[] = [];
  for (let s = sampleEvery; s < decisions; s += sampleEvery) sampleSteps.push(s);
  sampleSteps.push(decisions);
  return {
    scenario: scenario.name,
    seed,
    decisions,
    sampleEvery,
    sampleSteps,
    providers: [...market.providerIds],
    events: market.events.map((e) => ({ ...e, providerIds: [...e.providerIds] })),
    oracleMeanExpectedReward: oracleSum / decisions,
    noDecisionReward: failureValue,
    routers: tallies.map((t) => t.result()),
  };
}

function checkRouters(routers: readonly SimRouter[]): void {
  if (!Array.isArray(routers) || routers.length === 0) {
    throw ValidationError.forField("routers", "must list at least one router, e.g. [ruleRouter(), oracleRouter()]");
  }
  const names = new Map<string, number>();
  routers.forEach((router, i) => {
    if (typeof router?.name !== "string" || router.name === "") {
      throw ValidationError.forField(`routers[${i}].name`, "must be a non-empty string");
    }
    if (typeof router.decide !== "function")
      throw ValidationError.forField(`routers[${i}].decide`, "must be a function (request, step) => { provider_id }");
    const earlier = names.get(router.name);
    if (earlier !== undefined) {
      throw ValidationError.forField(
        `routers[${i}].name`,
        `"${router.name}" is already the name of routers[${earlier}]: names must be distinct`,
      );
    }
    names.set(router.name, i);
  });
}

/** The reward function, checked on every call: a NaN or infinite reward would make every regret after it NaN (`null` in JSON). */
function finiteReward(reward: RewardFn): RewardFn {
  return (outcome, advertisedReputation) => {
    const value = reward(outcome, advertisedReputation);
    if (typeof value === "number" && Number.isFinite(value)) return value;
    throw ValidationError.forField(
      "reward",
      `must return a finite number, returned ${String(value)} for a ${outcome.success ? "successful" : "failed"} job`,
    );
  };
}
