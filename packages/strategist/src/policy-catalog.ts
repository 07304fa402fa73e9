import { resolveLinThompsonOptions } from "./lin-thompson-policy.js";
import { resolveLinUcbOptions } from "./lin-ucb-policy.js";
import { resolveLinearValueOptions } from "./linear-value-policy.js";
import { Q_LEARNING_DEFAULTS } from "./q-learning-options.js";
import { resolveSoftmaxOptions } from "./softmax-policy.js";
import { resolveThompsonOptions } from "./thompson-policy.js";
import { resolveUcb1Options } from "./ucb1-policy.js";

export interface PolicyCatalogEntry {
  /** One line for people: what the policy does and when to pick it. */
  description: string;
  /** Every option at its default, as `createPolicy({ kind, ...defaults })` would resolve them. */
  defaults: Readonly<Record<string, unknown>>;
}

/** A copy frozen all the way down: the catalog is shared (every `GET /policies` serves it). */
function frozen(options: object): Readonly<Record<string, unknown>> {
  return deepFreeze(structuredClone(options) as Record<string, unknown>);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * The learning policies by registry kind, with a description and their default options, for
 * listings such as the sidecar's `GET /policies` and the demo's `--policy`. Each kind here is
 * also a `createPolicy` kind.
 */
export const policyCatalog: Readonly<Record<string, PolicyCatalogEntry>> = deepFreeze({
  "q-learning": {
    description: "The seed's tabular Q-learning with ε-greedy, Ψ-aware exploration (the default, for compatibility).",
    defaults: frozen(Q_LEARNING_DEFAULTS),
  },
  ucb1: {
    description: "UCB1 per state on the decomposed reward (known price, learned failure rate and residual), discounted.",
    defaults: frozen(resolveUcb1Options({})),
  },
  thompson: {
    description: "Thompson sampling per state: Beta failure rate and Gaussian residual, discounted; Monte-Carlo propensities.",
    defaults: frozen(resolveThompsonOptions({})),
  },
  softmax: {
    description: "Boltzmann exploration per state on the decomposed reward, with exact propensities.",
    defaults: frozen(resolveSoftmaxOptions({})),
  },
  "lin-ucb": {
    description: "LinUCB over provider features shared by every state, with outage and spike detection (recommended).",
    defaults: frozen(resolveLinUcbOptions({})),
  },
  "lin-thompson": {
    description: "Linear Thompson sampling over the same shared features and detection; Monte-Carlo propensities.",
    defaults: frozen(resolveLinThompsonOptions({})),
  },
  "linear-value": {
    description: "Hashed linear value model for very many states (function approximation), optimistic ε-greedy.",
    defaults: frozen(resolveLinearValueOptions({})),
  },
});
