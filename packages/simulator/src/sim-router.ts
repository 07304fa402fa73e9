import type { Constraints, Context, Outcome, Provider } from "@aurora/domain";
import type { Market } from "./market.js";

/**
 * One step's request in the domain's wire format: a valid `DecideRequestInput`, so it can be
 * handed to `RoutingEngine.decide` unchanged. It is deeply frozen and shared by every router.
 */
export interface SimRequest {
  readonly context: Context;
  /** The providers present at this step, advertised as they are now, in scenario order. */
  readonly providers: Provider[];
  /** The tenant's SLA plus the job's `region`, `gpu_type` and `gpu_hours`. */
  readonly constraints: Constraints;
}

export interface SimDecision {
  /** The chosen provider, or null for no decision. */
  provider_id: string | null;
  /** Echoed in the outcome's `decision_id`; the simulator makes one up when absent. */
  decision_id?: string;
  /** Numbers to chart over the run, e.g. `{ epsilon }`; averaged per window. */
  extra?: Record<string, number>;
}

/** What happened to the job, with the provider that ran it. */
export type SimOutcome = Outcome & { provider_id: string };

/**
 * The engine's reward, injected: the demo passes @aurora/executor's `computeReward`.
 * `advertisedReputation` is the chosen provider's advertised reputation at that step
 * (the simulator's outcomes carry no `actual_reputation`).
 */
export type RewardFn = (outcome: Outcome, advertisedReputation: number) => number;

/** Handed to `SimRouter.start` before the first step. */
export interface SimRun {
  /** The market with its hidden truth: only an oracle should look. */
  readonly market: Market;
  readonly reward: RewardFn;
  readonly seed: number;
  readonly decisions: number;
}

/** Anything that routes in a simulation: a baseline, an oracle, or an adapter around the engine. */
export interface SimRouter {
  readonly name: string;
  /** Called once before the first step of a run. */
  start?(run: SimRun): void;
  decide(request: SimRequest, step: number): SimDecision;
  /** Called right after the step's decision when a provider was chosen; awaited when it returns a promise. */
  feedback?(outcome: SimOutcome, step: number): unknown;
}
