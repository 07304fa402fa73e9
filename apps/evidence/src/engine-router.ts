import { ManualClock } from "@aurora/domain";
import { RoutingEngine } from "@aurora/engine";
import type { SimDecision, SimOutcome, SimRequest, SimRouter } from "@aurora/simulator";
import type { PolicyConfig } from "@aurora/strategist";

/**
 * A `RoutingEngine` with a given policy as a simulator router: requests and outcomes pass
 * through unchanged, so what is measured is what a caller of `decide`/`feedback` gets. The
 * engine runs in memory on a manual clock (no model file, no reward wait expiring) and
 * returns no ranked alternatives (they do not change what is learned, only cost time).
 */
export function engineRouter(name: string, policy: PolicyConfig, seed: number): SimRouter {
  const engine = new RoutingEngine({ policy, seed, clock: new ManualClock(0), alternatives: 0 });
  return {
    name,
    decide(request: SimRequest): SimDecision {
      const { provider_id, metadata } = engine.decide(request);
      return { provider_id, decision_id: metadata.decision_id };
    },
    feedback: (outcome: SimOutcome) => engine.feedback(outcome),
  };
}
