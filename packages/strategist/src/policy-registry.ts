import { ValidationError } from "@aurora/domain";
import type { Rng } from "@aurora/domain";
import type { Policy } from "./policy.js";
import type { QLearningOptions } from "./q-learning-options.js";
import { Strategist } from "./strategist.js";

export interface PolicyDeps {
  /** Uniform numbers in [0, 1); each policy defaults to `Math.random`. */
  rng?: Rng;
  /** A saved state to resume from (`toJSON()` output or a parsed model file). */
  snapshot?: unknown;
}

/** One line per policy kind: its options type and how to build it. */
const policyFactories = {
  "q-learning": (options: QLearningOptions, { rng, snapshot }: PolicyDeps): Policy =>
    snapshot === undefined ? new Strategist({ ...options, rng }) : Strategist.fromJSON(snapshot, { ...options, rng }),
};

type PolicyFactories = typeof policyFactories;
type PolicyKind = keyof PolicyFactories;

/** A registry config: `kind` plus that policy's options, e.g. `{ kind: "q-learning", epsilon: 0.2 }`. */
export type PolicyConfig = { [K in PolicyKind]: { kind: K } & Parameters<PolicyFactories[K]>[0] }[PolicyKind];

/** The kinds `createPolicy` knows. */
export const policyKinds: readonly string[] = Object.freeze(Object.keys(policyFactories));

/** Builds the policy a config names, optionally resuming from a snapshot. Bad options throw `ValidationError`. */
export function createPolicy(config: PolicyConfig, deps: PolicyDeps = {}): Policy {
  if (config === null || typeof config !== "object") {
    throw ValidationError.forField("(root)", 'a policy config must be an object such as { kind: "q-learning" }');
  }
  const { kind, ...options } = config;
  if (typeof kind !== "string" || !Object.hasOwn(policyFactories, kind)) {
    throw ValidationError.forField(
      "kind",
      `must be one of ${policyKinds.map((k) => JSON.stringify(k)).join(", ")}, got ${JSON.stringify(kind) ?? "nothing"}`,
    );
  }
  return policyFactories[kind as PolicyKind](options, deps ?? {});
}
