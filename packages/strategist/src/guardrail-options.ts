import type { ValidationIssue } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import type { PolicyConfig } from "./policy-registry.js";
import { isObject } from "./snapshot-fields.js";

/** Where evidence is kept and read: per state key, over all states, or per state falling back to all. */
export type GuardrailScope = "state" | "global" | "state-then-global";

/** The guardrail's evidence settings, all resolved. */
export interface GuardrailParams {
  /** z of the confidence bounds compared; 1.96 ≈ a two-sided 95% interval each. */
  z: number;
  /** Effective rewards each side needs in a scope before that scope's verdict counts. */
  minSamples: number;
  /**
   * Where the picks differ and the policy is not trusted, the policy's pick is tried with the
   * chance the evidence gives it of being the better one, at least `explore` and at most
   * `exploreMax`, while the risk budget lasts.
   */
  explore: number;
  exploreMax: number;
  /**
   * The risk budget earned per decision, in standard deviations σ of the rewards earned where
   * the picks differed. Every play of the policy's pick there adds (reward − the baseline's
   * mean) to it; an untrusted policy is tried only while budget − z·σ·√plays is not negative, so
   * the guardrail risks about `risk`·σ per decision for evidence, and a policy whose plays
   * earn more than the baseline's pays for its own tries.
   */
  risk: number;
  /** Chance of playing the baseline's pick where the picks differ and the policy is trusted. */
  check: number;
  /** Discount τ per reward recorded in a scope: evidence k rewards old weighs τᵏ (1: never forget). */
  evidenceDecay: number;
  scope: GuardrailScope;
}

/** The engine's `guardrail` option: the baseline and the evidence settings, each optional. */
export interface GuardrailSettings extends Partial<GuardrailParams> {
  /** Default `{ kind: "rule" }`, the weighted-score rule router. */
  baseline?: PolicyConfig;
}

/** Registry config: `{ kind: "guardrail", policy, baseline?, …settings }`. */
export interface GuardrailOptions extends GuardrailSettings {
  /** The policy to guard. May be left out when resuming from a snapshot, which keeps it. */
  policy: PolicyConfig;
}

/**
 * The registry config of `policy` behind a guardrail with these settings, as the engine's
 * `guardrail` option builds it: `{ kind: "guardrail", …settings, policy?, baseline? }`. With no
 * policy, the guardrail's snapshot names the one it guards.
 */
export function guardedPolicyConfig(policy: PolicyConfig | undefined, settings: GuardrailSettings): PolicyConfig {
  // Spread into the config, a `kind` would replace "guardrail": another policy, unguarded.
  if (typeof settings === "object" && settings !== null && Object.hasOwn(settings, "kind")) {
    throw ValidationError.forField(
      "kind",
      'is not a guardrail setting: the guarded policy is named by "policy" (or the engine\'s policy option), the baseline by "baseline"',
    );
  }
  const { baseline, ...params } = settings;
  return {
    kind: "guardrail",
    ...params,
    ...(policy ? { policy } : {}),
    ...(baseline ? { baseline } : {}),
  } as PolicyConfig;
}

export const GUARDRAIL_DEFAULTS: Readonly<GuardrailParams> = Object.freeze({
  z: 1.96,
  minSamples: 20,
  explore: 0.1,
  exploreMax: 1,
  risk: 0.01,
  check: 0.02,
  evidenceDecay: 0.99,
  scope: "state-then-global",
});

const SCOPES: readonly GuardrailScope[] = ["state", "global", "state-then-global"];

const numberRules: {
  readonly [K in Exclude<keyof GuardrailParams, "scope">]: { accepts: (v: number) => boolean; message: string };
} = {
  z: { accepts: (v) => v > 0 && Number.isFinite(v), message: "must be a number greater than 0 (1.96 for 95% bounds)" },
  minSamples: { accepts: (v) => v >= 2 && Number.isFinite(v), message: "must be a number ≥ 2 (rewards each side needs)" },
  explore: {
    accepts: (v) => v >= 0 && v <= 1,
    message: "must be a number from 0 to 1 (chance to try an untrusted policy's pick)",
  },
  exploreMax: {
    accepts: (v) => v >= 0 && v <= 1,
    message: "must be a number from 0 to 1 (the highest chance to try an untrusted policy's pick)",
  },
  risk: {
    accepts: (v) => v >= 0 && Number.isFinite(v),
    message: "must be a finite number ≥ 0 (risk budget per decision, in baseline standard deviations)",
  },
  check: {
    accepts: (v) => v >= 0 && v <= 1,
    message: "must be a number from 0 to 1 (chance to replay the baseline's pick while trusted)",
  },
  evidenceDecay: { accepts: (v) => v > 0 && v <= 1, message: "must be a number greater than 0 and at most 1 (1 never forgets)" },
};

/** The option names of `GuardrailOptions`, for unknown-key checks. */
export const GUARDRAIL_OPTION_NAMES: readonly string[] = ["policy", "baseline", ...Object.keys(GUARDRAIL_DEFAULTS)];

/** Validates the evidence settings (ignoring `policy` and `baseline`) and fills in defaults. */
export function resolveGuardrailParams(input: unknown, root?: string): GuardrailParams {
  const at = (name: string) => (root ? `${root}.${name}` : name);
  if (input === undefined) return { ...GUARDRAIL_DEFAULTS };
  if (!isObject(input))
    throw ValidationError.forField(root ?? "(root)", 'must be an object such as { baseline: { kind: "rule" } }');
  const issues: ValidationIssue[] = [];
  const params: GuardrailParams = { ...GUARDRAIL_DEFAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (key === "policy" || key === "baseline" || value === undefined) continue;
    if (key === "scope") {
      if (SCOPES.includes(value as GuardrailScope)) params.scope = value as GuardrailScope;
      else
        issues.push({
          field: at(key),
          message: `must be one of ${SCOPES.map((s) => JSON.stringify(s)).join(", ")}, got ${JSON.stringify(value)}`,
        });
    } else if (Object.hasOwn(numberRules, key)) {
      const rule = numberRules[key as keyof typeof numberRules];
      if (typeof value === "number" && rule.accepts(value)) params[key as keyof typeof numberRules] = value;
      else issues.push({ field: at(key), message: `${rule.message}, got ${String(value)}` });
    } else {
      issues.push({ field: at(key), message: `is not a guardrail option: use ${GUARDRAIL_OPTION_NAMES.join(", ")}` });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return params;
}
