/** The routers every demo run measures, by the names the summary and the report show. */
export const ROUTER_NAMES = Object.freeze({
  /** The engine with the chosen policy, tuned for the demo. */
  aurora: "aurora",
  /** The engine with the seed's Q-learning, untouched: the honest comparison. */
  seed: "aurora (seed q-learning)",
  /** aurora-router's phase-1 score: cheap, fast, reputable, available. Never learns. */
  rule: "rule",
  /** Uniform among the compliant providers. */
  random: "random",
  /** Knows the hidden truth: the yardstick regret is measured against. */
  oracle: "oracle",
});
