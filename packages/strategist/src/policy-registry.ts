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
import { policyCatalog } from "./policy-catalog.js";
import type { PolicyDeps } from "./policy-deps.js";
import type { QLearningOptions } from "./q-learning-options.js";
import { type PolicyRewardWeights, rewardWeightsRule } from "./reward-decomposition.js";
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

/**
 * Policies inside policies, at most: `guardrail` over a `shadow` of an `ab` split is 4 deep. Each
 * level wraps the tag of the one inside it, and each decision carries the whole tag, so nesting
 * deeper only grows every decision (exponentially: each level escapes the quotes inside it).
 */
export const MAX_POLICY_DEPTH = 4;

/** Where a composite's config names the policies inside it. */
function innerConfigs(config: Record<string, unknown>): [string, unknown][] {
  switch (config.kind) {
    case "ab":
      return Array.isArray(config.arms)
        ? config.arms.map((arm, i): [string, unknown] => [`arms[${i}].policy`, (arm as { policy?: unknown } | null)?.policy])
        : [];
    case "shadow":
      return [
        ["primary", config.primary],
        ["shadow", config.shadow],
      ];
    case "guardrail":
      return [
        ["policy", config.policy],
        ["baseline", config.baseline],
      ];
    default:
      return [];
  }
}

function refuseDeepNesting(config: unknown, depth: number, path: string): void {
  if (config === null || typeof config !== "object") return;
  for (const [field, inner] of innerConfigs(config as Record<string, unknown>)) {
    if (inner === null || typeof inner !== "object") continue;
    const at = path === "" ? field : `${path}.${field}`;
    if (depth >= MAX_POLICY_DEPTH) {
      throw ValidationError.forField(
        at,
        `nests policies ${depth + 1} deep, more than ${MAX_POLICY_DEPTH} (a guardrail over a shadow of an A/B split is 4): every decision carries a tag of every level`,
      );
    }
    refuseDeepNesting(inner, depth + 1, at);
  }
}

/** The kinds whose options take `rewardWeights` (they decompose the reward: see reward-decomposition.ts). */
const WEIGHTED_KINDS: ReadonlySet<string> = new Set(
  Object.entries(policyCatalog)
    .filter(([, entry]) => Object.hasOwn(entry.defaults, "rewardWeights"))
    .map(([kind]) => kind),
);

/**
 * The options with the caller's reward weights in place: the config's own must be the same
 * (checked after both are filled with the SPEC's defaults). A config whose weights are malformed is
 * left as it is, for the policy's own check to name the field.
 */
function withCallerWeights(options: Record<string, unknown>, callers: Partial<PolicyRewardWeights>): Record<string, unknown> {
  const resolve = rewardWeightsRule.resolve as (value: unknown) => PolicyRewardWeights;
  const wanted = resolve(callers);
  const given = options.rewardWeights;
  if (given !== undefined) {
    if (rewardWeightsRule.check(given, "rewardWeights").length > 0) return options;
    const own = resolve(given);
    const issues = (Object.keys(wanted) as (keyof PolicyRewardWeights)[])
      .filter((name) => own[name] !== wanted[name])
      .map((name) => ({
        field: `rewardWeights.${name}`,
        message: `is ${own[name]}, but the reward is computed with ${wanted[name]} (the engine's rewardWeights): a policy must learn the reward the engine computes; leave rewardWeights out of the policy, it gets the engine's`,
      }));
    if (issues.length > 0) throw new ValidationError(issues);
  }
  return { ...options, rewardWeights: wanted };
}

export type { PolicyDeps } from "./policy-deps.js";

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
  // A function in a config is not what configs are (JSON): it would be dropped for deps.rng or Math.random.
  if (Object.hasOwn(config, "rng")) {
    throw ValidationError.forField("rng", "is not a config option: pass it as createPolicy(config, { rng })");
  }
  refuseDeepNesting(config, 1, "");
  const factory = policyFactories[kind as PolicyKind] as (options: unknown, deps: PolicyDeps) => Policy;
  const callers = deps?.rewardWeights;
  const resolved = callers !== undefined && WEIGHTED_KINDS.has(kind) ? withCallerWeights(options, callers) : options;
  return factory(resolved, deps ?? {});
}
