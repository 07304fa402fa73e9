import type { Rng } from "@aurora/domain";
import { compliantProviders } from "./compliance.js";
import type { SimRouter } from "./sim-router.js";

export interface RandomRouterOptions {
  /** One uniform draw per decision that has a compliant provider. */
  rng: Rng;
  name?: string;
}

/** Picks uniformly among the compliant providers; no decision when there are none. */
export function randomRouter(options: RandomRouterOptions): SimRouter {
  const { rng, name = "random" } = options;
  return {
    name,
    decide(request) {
      const candidates = compliantProviders(request);
      if (candidates.length === 0) return { provider_id: null };
      const pick = candidates[Math.floor(rng() * candidates.length)];
      return { provider_id: pick?.provider_id ?? null };
    },
  };
}
