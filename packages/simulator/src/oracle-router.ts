import { compliantProviders } from "./compliance.js";
import { expectedReward, noDecisionReward } from "./expected-reward.js";
import type { SimRouter, SimRun } from "./sim-router.js";

export interface OracleRouterOptions {
  name?: string;
}

/**
 * Knows the hidden truth (handed over in `start`) and picks the compliant provider with the
 * highest expected reward (the first on a tie), or none when not placing the job (the failure
 * reward) is worth more than every pick: the yardstick regret is measured against.
 */
export function oracleRouter(options: OracleRouterOptions = {}): SimRouter {
  const { name = "oracle" } = options;
  let run: SimRun | undefined;
  let declineValue = Number.NEGATIVE_INFINITY;
  return {
    name,
    start(r) {
      run = r;
      declineValue = noDecisionReward(r.reward);
    },
    decide(request, step) {
      if (run === undefined)
        throw new Error("oracleRouter needs the hidden truth: run it inside runSimulation, which calls start() first");
      const { market, reward } = run;
      let best: string | null = null;
      let bestValue = declineValue;
      for (const provider of compliantProviders(request)) {
        const value = expectedReward(market.truth(step, request.context, provider.provider_id), provider.reputation, reward);
        if (best === null ? value >= bestValue : value > bestValue) {
          best = provider.provider_id;
          bestValue = value;
        }
      }
      return { provider_id: best };
    },
  };
}
