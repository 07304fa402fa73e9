import type { PolicyConfig } from "@aurora/strategist";
import { createPolicy, policyKinds } from "@aurora/strategist";

/**
 * The demo's Q-learning, on top of the seed's defaults. `initialQ` 15 is above the best reward
 * SPEC's formula can give (a success earns at most 10 + reputation/100 = 11, less cost and
 * latency), so every provider is tried in every state before its value settles, and a
 * provider that joins later is tried at once (optimism under uncertainty, instead of the
 * seed's Q₀ = 0 that locks onto its first pick). `gamma` 0: a routing decision has no
 * successor state, and the seed's bootstrap on the same state's best value only inflates
 * every value by 1/(1 − γ).
 */
const TUNED_Q_LEARNING = Object.freeze({ kind: "q-learning", initialQ: 15, gamma: 0 });

/**
 * The config the demo runs for each policy kind that needs more than its defaults; a kind not
 * listed runs with its defaults. Composite kinds wrap the tuned Q-learning: an A/B split of
 * it against the fixed rule, the rule shadowing it, a guardrail around it.
 */
const demoConfigs: Readonly<Record<string, unknown>> = Object.freeze({
  "q-learning": TUNED_Q_LEARNING,
  ab: {
    kind: "ab",
    arms: [
      { name: "learned", share: 0.5, policy: TUNED_Q_LEARNING },
      { name: "rule", share: 0.5, policy: { kind: "rule" } },
    ],
  },
  shadow: { kind: "shadow", primary: TUNED_Q_LEARNING, shadow: { kind: "rule" } },
  guardrail: { kind: "guardrail", policy: TUNED_Q_LEARNING },
});

/** The seed's Q-learning, untouched (ε 0.1, decay 0.995, floor 0.01, α 0.1, γ 0.95, Q₀ 0). */
export const SEED_POLICY: PolicyConfig = Object.freeze({ kind: "q-learning" });

/** The registry config the demo's main engine runs with for `kind`. */
export function demoPolicyConfig(kind: string): PolicyConfig {
  const config = Object.hasOwn(demoConfigs, kind) ? demoConfigs[kind] : { kind };
  return structuredClone(config) as PolicyConfig;
}

/**
 * Why the demo cannot run `kind`, or null when it can: not a kind of the registry, or a kind
 * whose options the demo does not know (a policy added after this demo was written).
 */
export function policyProblem(kind: string): string | null {
  if (!policyKinds.includes(kind)) return `unknown policy "${kind}"`;
  try {
    createPolicy(demoPolicyConfig(kind));
    return null;
  } catch (error) {
    return `the demo cannot build policy "${kind}" (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** The registry's kinds the demo can run, in registry order. */
export function demoPolicyKinds(): string[] {
  return policyKinds.filter((kind) => policyProblem(kind) === null);
}

/** `q-learning (initialQ 15, gamma 0)`: the kind and the options set on top of its defaults. */
export function describePolicy(config: PolicyConfig): string {
  const { kind, ...options } = config as { kind: string } & Record<string, unknown>;
  const set = Object.entries(options).map(([key, value]) => `${key} ${describeValue(value)}`);
  return set.length === 0 ? `${kind} (defaults)` : `${kind} (${set.join(", ")})`;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describeValue).join("; ")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record.kind === "string") return describePolicy(record as PolicyConfig);
    return Object.entries(record)
      .map(([key, inner]) => `${key} ${describeValue(inner)}`)
      .join(", ");
  }
  return String(value);
}
