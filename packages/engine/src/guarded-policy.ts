import type { Rng } from "@aurora/domain";
import type { GuardrailSettings, Policy, PolicyConfig, PolicyDeps } from "@aurora/strategist";
import { createPolicy, DEFAULT_BASELINE, GuardrailPolicy, guardedPolicyConfig } from "@aurora/strategist";

/**
 * The engine's `guardrail` option: wraps the configured policy (a config, a ready instance,
 * or, with neither, the kind the model file names) in a `GuardrailPolicy` whose baseline is
 * `settings.baseline` (the weighted-score rule router by default). A guardrail model file
 * restores the policy, the baseline and the evidence; a plain model file restores the policy
 * and starts the evidence empty. Every policy it builds gets the engine's reward weights.
 */
export function buildGuardedPolicy(
  configured: PolicyConfig | Policy | undefined,
  settings: GuardrailSettings,
  snapshot: unknown,
  rng: Rng,
  rewardWeights: PolicyDeps["rewardWeights"],
): Policy {
  const { baseline, ...params } = settings;
  if (configured && typeof (configured as Policy).choose === "function") {
    return new GuardrailPolicy({
      ...params,
      policy: configured as Policy,
      baseline: createPolicy(baseline ?? DEFAULT_BASELINE, { rng, rewardWeights }),
      rng,
      ...(baseline ? { configs: { baseline } } : {}),
    });
  }
  const config = guardedPolicyConfig(configured as PolicyConfig | undefined, settings);
  return createPolicy(config, { rng, rewardWeights, ...(snapshot !== undefined ? { snapshot } : {}) });
}
