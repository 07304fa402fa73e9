import { createRng, ValidationError } from "@aurora/domain";
import { createPolicy, type PolicyConfig } from "@aurora/strategist";
import { alwaysProvider } from "./always-provider.js";
import { policyTarget } from "./policy-target.js";
import type { TargetPolicy } from "./target-policy.js";

export interface TargetPolicySpec {
  /** `always:<provider_id>`, `always` (with `config.provider_id`), or a `createPolicy` kind such as `rule` or `q-learning`. */
  kind: string;
  /** The policy's options (for `createPolicy`), e.g. `{ epsilon: 0 }`. */
  config?: Record<string, unknown>;
  /** A saved model to freeze a learning policy at (`createPolicy`'s snapshot). */
  snapshot?: unknown;
  /** Seed of the policy's own rng (its exploration while it is replayed). Default 1. */
  seed?: number;
  /** See `policyTarget`. */
  samples?: number;
}

/** Builds a target policy from a kind and options, as the CLI's `--policy` and `--policy-config` give them. */
export function createTargetPolicy(spec: TargetPolicySpec): TargetPolicy {
  const { kind, config = {}, snapshot, seed = 1, samples } = spec;
  if (typeof kind !== "string" || kind.length === 0) {
    throw ValidationError.forField("kind", 'must name a policy: "always:<provider_id>", or a policy kind such as "rule"');
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw ValidationError.forField("config", 'must be an object of policy options such as { "epsilon": 0 }');
  }
  if (kind.startsWith("always:")) return alwaysProvider(kind.slice("always:".length));
  if (kind === "always") {
    const providerId = (config as { provider_id?: unknown }).provider_id;
    if (typeof providerId !== "string") {
      throw ValidationError.forField(
        "config.provider_id",
        'must name the provider, e.g. { "provider_id": "meshcompute" } (or use always:<provider_id>)',
      );
    }
    return alwaysProvider(providerId);
  }
  const policy = createPolicy({ ...config, kind } as PolicyConfig, {
    rng: createRng(seed),
    ...(snapshot !== undefined ? { snapshot } : {}),
  });
  return policyTarget(policy, samples !== undefined ? { samples } : {});
}
