import type { Rng } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import type { AbSplitOptions } from "./ab-split-policy.js";
import { AbSplitPolicy } from "./ab-split-policy.js";
import type { GuardrailOptions } from "./guardrail-options.js";
import { GuardrailPolicy } from "./guardrail-policy.js";
import type { LinThompsonOptions } from "./lin-thompson-policy.js";
import { LinThompsonPolicy } from "./lin-thompson-policy.js";
import type { LinUcbOptions } from "./lin-ucb-policy.js";
import { LinUcbPolicy } from "./lin-ucb-policy.js";
import type { LinearValueOptions } from "./linear-value-policy.js";
import { LinearValuePolicy } from "./linear-value-policy.js";
import type { Policy } from "./policy.js";
import type { QLearningOptions } from "./q-learning-options.js";
import { RulePolicy } from "./rule-policy.js";
import type { RuleOptions } from "./rule-score.js";
import type { ShadowOptions } from "./shadow-policy.js";
import { ShadowPolicy } from "./shadow-policy.js";
import type { SoftmaxOptions } from "./softmax-policy.js";
import { SoftmaxPolicy } from "./softmax-policy.js";
import { Strategist } from "./strategist.js";
import type { ThompsonOptions } from "./thompson-policy.js";
import { ThompsonPolicy } from "./thompson-policy.js";
import type { Ucb1Options } from "./ucb1-policy.js";
import { Ucb1Policy } from "./ucb1-policy.js";

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
  ucb1: (options: Ucb1Options, { rng, snapshot }: PolicyDeps): Policy =>
    snapshot === undefined ? new Ucb1Policy({ ...options, rng }) : Ucb1Policy.fromJSON(snapshot, { ...options, rng }),
  thompson: (options: ThompsonOptions, { rng, snapshot }: PolicyDeps): Policy =>
    snapshot === undefined ? new ThompsonPolicy({ ...options, rng }) : ThompsonPolicy.fromJSON(snapshot, { ...options, rng }),
  softmax: (options: SoftmaxOptions, { rng, snapshot }: PolicyDeps): Policy =>
    snapshot === undefined ? new SoftmaxPolicy({ ...options, rng }) : SoftmaxPolicy.fromJSON(snapshot, { ...options, rng }),
  "lin-ucb": (options: LinUcbOptions, { rng, snapshot }: PolicyDeps): Policy =>
    snapshot === undefined ? new LinUcbPolicy({ ...options, rng }) : LinUcbPolicy.fromJSON(snapshot, { ...options, rng }),
  "lin-thompson": (options: LinThompsonOptions, { rng, snapshot }: PolicyDeps): Policy =>
    snapshot === undefined
      ? new LinThompsonPolicy({ ...options, rng })
      : LinThompsonPolicy.fromJSON(snapshot, { ...options, rng }),
  "linear-value": (options: LinearValueOptions, { rng, snapshot }: PolicyDeps): Policy =>
    snapshot === undefined
      ? new LinearValuePolicy({ ...options, rng })
      : LinearValuePolicy.fromJSON(snapshot, { ...options, rng }),
  rule: (options: RuleOptions, { snapshot }: PolicyDeps): Policy =>
    snapshot === undefined ? new RulePolicy(options) : RulePolicy.fromJSON(snapshot, options),
  ab: (options: AbSplitOptions, deps: PolicyDeps): Policy => AbSplitPolicy.fromConfig(options, deps, createPolicy),
  shadow: (options: ShadowOptions, deps: PolicyDeps): Policy => ShadowPolicy.fromConfig(options, deps, createPolicy),
  guardrail: (options: GuardrailOptions, deps: PolicyDeps): Policy => GuardrailPolicy.fromConfig(options, deps, createPolicy),
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
  const factory = policyFactories[kind as PolicyKind] as (options: unknown, deps: PolicyDeps) => Policy;
  return factory(options, deps ?? {});
}
