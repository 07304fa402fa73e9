import type { Provider } from "@aurora/domain";
import { compliantProviders } from "./compliance.js";
import type { SimRouter } from "./sim-router.js";

export interface RuleWeights {
  price: number;
  latency: number;
  reputation: number;
  availability: number;
}

export interface RuleRouterOptions {
  name?: string;
  /** Default: aurora-router phase 1's 0.35 / 0.30 / 0.20 / 0.15. */
  weights?: Partial<RuleWeights>;
  /** Free GPU hours at which a provider counts as fully available. Default 100. */
  fullAvailabilityGpuHours?: number;
}

/** aurora-router phase 1's weights. */
export const RULE_WEIGHTS: Readonly<RuleWeights> = Object.freeze({
  price: 0.35,
  latency: 0.3,
  reputation: 0.2,
  availability: 0.15,
});

// Floors that keep a free or zero-latency provider's score finite: 1 cent per GPU hour, 1 ms.
const MIN_PRICE = 0.01;
const MIN_LATENCY_MS = 1;

/**
 * The weighted score of aurora-router phase 1, from the advertised record only:
 * w.price / max(price_usd_per_hour, 0.01) + w.latency / max(latency_ms, 1)
 * + w.reputation · reputation / 100 + w.availability · availability, where availability is 1
 * for unlimited capacity and min(1, capacity_available / fullAvailabilityGpuHours) otherwise.
 */
export function ruleScore(provider: Provider, options: Omit<RuleRouterOptions, "name"> = {}): number {
  const w = { ...RULE_WEIGHTS, ...options.weights };
  const full = options.fullAvailabilityGpuHours ?? 100;
  const capacity = provider.capacity_available;
  const availability = capacity === undefined || capacity === null ? 1 : full > 0 ? Math.min(1, capacity / full) : 1;
  return (
    w.price / Math.max(provider.price_usd_per_hour, MIN_PRICE) +
    w.latency / Math.max(provider.latency_ms, MIN_LATENCY_MS) +
    (w.reputation * provider.reputation) / 100 +
    w.availability * availability
  );
}

/** Among the compliant providers, the highest `ruleScore` wins (the first on a tie); it never learns. */
export function ruleRouter(options: RuleRouterOptions = {}): SimRouter {
  const { name = "rule", ...scoring } = options;
  return {
    name,
    decide(request) {
      let best: Provider | undefined;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const provider of compliantProviders(request)) {
        const score = ruleScore(provider, scoring);
        if (score > bestScore) {
          best = provider;
          bestScore = score;
        }
      }
      return { provider_id: best?.provider_id ?? null };
    },
  };
}
