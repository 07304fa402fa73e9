import { createRng, ValidationError } from "@aurora/domain";
import { createPolicy, type Policy, type PolicyConfig } from "@aurora/strategist";
import { alwaysProvider } from "./always-provider.js";
import { policyTarget } from "./policy-target.js";
import type { TargetPolicy } from "./target-policy.js";

export interface TargetPolicySpec {
  /** `always:<provider_id>`, `always` (with `config.provider_id`), or a `createPolicy` kind such as `rule` or `q-learning`. */
  kind: string;
  /**
   * The policy's options (for `createPolicy`), e.g. `{ epsilon: 0 }`. With a snapshot, an
   * `epsilon` given here replaces the snapshot's decayed ε.
   */
  config?: Record<string, unknown>;
  /** A saved model to freeze a learning policy at (`createPolicy`'s snapshot). */
  snapshot?: unknown;
  /** Seed of the policy's own rng (its exploration while it is replayed). Default 1. */
  seed?: number;
  /** See `policyTarget`. */
  samples?: number;
}

const ALWAYS = "always";
const ALWAYS_PREFIX = "always:";

/**
 * Builds a target policy from a kind and options, as the CLI's `--policy`, `--policy-config` and
 * `--snapshot` give them. Bad input throws a `ValidationError` naming `kind` (and so `--policy`),
 * `config…`, `snapshot`, or the option of `createPolicy` at fault.
 */
export function createTargetPolicy(spec: TargetPolicySpec): TargetPolicy {
  const { kind, config = {}, snapshot, seed = 1, samples } = spec;
  if (typeof kind !== "string" || kind.length === 0) {
    throw ValidationError.forField("kind", 'must name a policy: "always:<provider_id>", or a policy kind such as "rule"');
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw ValidationError.forField("config", 'must be an object of policy options such as { "epsilon": 0 }');
  }
  if (kind === ALWAYS || kind.startsWith(ALWAYS_PREFIX)) return createAlways(kind, config, snapshot);
  const policy = createPolicy({ ...config, kind } as PolicyConfig, {
    rng: createRng(seed),
    ...(snapshot !== undefined ? { snapshot: withExplicitEpsilon(snapshot, config) } : {}),
  });
  if (snapshot !== undefined) assertEpsilonApplied(policy, config);
  return policyTarget(policy, samples !== undefined ? { samples } : {});
}

/**
 * `always:<id>`, or `always` with `config.provider_id`. It has no other option and nothing to
 * restore: a config or snapshot given with it is refused rather than ignored.
 */
function createAlways(kind: string, config: Record<string, unknown>, snapshot: unknown): TargetPolicy {
  if (snapshot !== undefined) {
    throw ValidationError.forField("snapshot", `must not be given with ${kind}: a fixed provider has no saved state to restore`);
  }
  if (kind !== ALWAYS) {
    const providerId = kind.slice(ALWAYS_PREFIX.length);
    if (providerId === "")
      throw ValidationError.forField("kind", 'must name the provider after "always:", e.g. always:meshcompute');
    const keys = Object.keys(config);
    if (keys.length > 0) {
      throw ValidationError.forField(
        `config.${keys[0]}`,
        `is not an option of ${kind}: it takes none (the provider is named in the kind)`,
      );
    }
    return alwaysProvider(providerId);
  }
  const { provider_id: providerId, ...others } = config as { provider_id?: unknown };
  if (typeof providerId !== "string" || providerId === "") {
    throw ValidationError.forField(
      "config.provider_id",
      'must name the provider, e.g. { "provider_id": "meshcompute" } (or use always:<provider_id>)',
    );
  }
  const extra = Object.keys(others);
  if (extra.length > 0) {
    throw ValidationError.forField(`config.${extra[0]}`, "is not an option of always: it takes only provider_id");
  }
  return alwaysProvider(providerId);
}

/**
 * Restoring a snapshot takes ε from its `epsilon` (the current, decayed rate, as the strategist's
 * model format documents it), whatever the options say: `q-learning` and `linear-value` keep an
 * option `epsilon` only as where ε started. An `epsilon` the caller gives is the ε they want to
 * evaluate, so it is written into a copy of the snapshot. Nothing else of the snapshot changes.
 */
function withExplicitEpsilon(snapshot: unknown, config: Record<string, unknown>): unknown {
  const epsilon = config.epsilon;
  if (typeof epsilon !== "number" || !(epsilon >= 0 && epsilon <= 1)) return snapshot;
  if (snapshot === null || typeof snapshot !== "object" || Array.isArray(snapshot) || !Object.hasOwn(snapshot, "epsilon"))
    return snapshot;
  return { ...snapshot, epsilon };
}

/** Refuses a policy restored with another ε than the config's: a snapshot whose ε is elsewhere would be evaluated with the wrong one. */
function assertEpsilonApplied(policy: Policy, config: Record<string, unknown>): void {
  if (!Object.hasOwn(config, "epsilon")) return;
  const applied = policy.stats().epsilon;
  if (applied !== config.epsilon) {
    throw ValidationError.forField(
      "config.epsilon",
      `cannot be applied over the snapshot: the restored ${policy.name} policy explores with ε = ${applied} from its snapshot; leave epsilon out to evaluate the snapshot as saved`,
    );
  }
}
