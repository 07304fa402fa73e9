import { type Context, createRng, type Outcome, type Provider, stateKey } from "@aurora/domain";
import { compliantProviders, loadScenario, Market } from "@aurora/simulator";
import type { DecisionLogLineInput } from "../src/decision-log-line.js";
import type { TargetPolicy } from "../src/target-policy.js";

/** SPEC's default reward: failure → −20; success → −cost − latency/500 + reputation/100 + 10. */
export function specReward(outcome: Outcome, advertisedReputation: number): number {
  if (!outcome.success) return -20;
  return (
    -outcome.actual_cost_usd - outcome.actual_latency_ms / 500 + (outcome.actual_reputation ?? advertisedReputation) / 100 + 10
  );
}

export interface SimulatedStep {
  step: number;
  context: Context;
  /** The compliant providers: what the engine's policy would choose from. */
  candidates: Provider[];
}

export interface SimulatedLog {
  market: Market;
  /** The steps with at least one compliant provider, the only ones logged. */
  steps: SimulatedStep[];
  lines: DecisionLogLineInput[];
}

/** The realised reward of `providerId` at a step: the same draw for every router (common random numbers). */
export function rewardAt(market: Market, step: SimulatedStep, providerId: string): number {
  const outcome = market.outcome(step.step, step.context, providerId, `d${step.step}`);
  const reputation = step.candidates.find((c) => c.provider_id === providerId)!.reputation;
  return specReward(outcome, reputation);
}

/**
 * Runs a uniformly random logging policy (each compliant provider with probability 1/n) over a
 * seeded simulator market and returns the decision log it would write.
 */
export function logUniformly(options: { scenario: string; seed: number; decisions: number; loggingSeed: number }): SimulatedLog {
  const market = new Market(loadScenario(options.scenario), { seed: options.seed, decisions: options.decisions });
  const rng = createRng(options.loggingSeed);
  const steps: SimulatedStep[] = [];
  const lines: DecisionLogLineInput[] = [];
  for (let t = 0; t < options.decisions; t++) {
    const request = market.request(t);
    const candidates = compliantProviders(request);
    if (candidates.length === 0) continue;
    const step = { step: t, context: request.context, candidates };
    steps.push(step);
    const chosen = candidates[Math.floor(rng() * candidates.length)]!;
    const { decision_id, ...outcome } = market.outcome(t, request.context, chosen.provider_id, `d${t}`);
    lines.push({
      decision_id,
      timestamp: new Date(Date.UTC(2025, 0, 1) + t * 1000).toISOString(),
      state_key: stateKey(request.context),
      context: request.context,
      candidates,
      chosen: chosen.provider_id,
      propensity: 1 / candidates.length,
      policy: "uniform",
      mode: "explore",
      psi_density: null,
      reward: specReward({ decision_id, ...outcome }, chosen.reputation),
      resolution: "feedback",
      outcome,
    });
  }
  return { market, steps, lines };
}

/**
 * The target's true value on the logged steps: had it routed every one of them itself, on the
 * same market with the same outcome draws, its mean reward, Σₜ Σₐ π(a|xₜ) rₜ(a) / T (averaged
 * exactly over its own randomisation).
 */
export function trueValue(log: SimulatedLog, target: TargetPolicy): number {
  let total = 0;
  for (const step of log.steps) {
    const probabilities = target.probabilities({
      stateKey: stateKey(step.context),
      context: step.context,
      candidates: step.candidates,
    });
    probabilities.forEach((p, a) => {
      if (p > 0) total += p * rewardAt(log.market, step, step.candidates[a]!.provider_id);
    });
  }
  return total / log.steps.length;
}
