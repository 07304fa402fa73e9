import type { ValidationError } from "@aurora/engine";
import type { GuardrailSettings, PolicyConfig } from "@aurora/strategist";
import { createPolicy, guardedPolicyConfig } from "@aurora/strategist";
import type { SidecarConfig } from "./config.js";
import type { ConfigProblem } from "./config-error.js";
import { ConfigError } from "./config-error.js";
import { reasonOf } from "./error-reason.js";

/**
 * AURORA_POLICY and AURORA_GUARDRAIL as read from the environment, and the reward weights the
 * policies get (AURORA_REWARD_WEIGHTS, `{}` for the SPEC's; undefined: not checked).
 */
export type PolicySettings = Pick<SidecarConfig, "policy" | "guardrail"> & Partial<Pick<SidecarConfig, "rewardWeights">>;

const GUARDED_POLICY = "policy.";

/**
 * The engine's refusal of AURORA_POLICY or AURORA_GUARDRAIL as a `ConfigError` naming the
 * variable, or undefined when the error is about something else.
 *
 * The policy registry names fields inside the config it was given: without a guardrail that is
 * AURORA_POLICY's (`epsilon`, `kind`); with one it is the guardrail's, where AURORA_POLICY sits
 * under `policy.` and the rest (`baseline.kind`, `minSamples`) is AURORA_GUARDRAIL's. Fields
 * under `options.` are engine options the sidecar built, not the operator's.
 */
export function policyConfigError(error: unknown, config: PolicySettings): ConfigError | undefined {
  const { code, issues } = (error ?? {}) as Partial<ValidationError>;
  if (code !== "VALIDATION_ERROR" || !issues || issues.length === 0) return undefined;
  if (issues.some((issue) => issue.field.startsWith("options."))) return undefined;
  const problems: ConfigProblem[] = [];
  for (const { field, message } of issues) {
    if (config.guardrail === undefined) {
      if (config.policy === undefined) return undefined;
      problems.push({ variable: "AURORA_POLICY", message: `${field}: ${message}` });
    } else if (field.startsWith(GUARDED_POLICY) && config.policy !== undefined) {
      problems.push({ variable: "AURORA_POLICY", message: `${field.slice(GUARDED_POLICY.length)}: ${message}` });
    } else {
      problems.push({ variable: "AURORA_GUARDRAIL", message: `${field}: ${message}` });
    }
  }
  return new ConfigError(problems, { cause: error });
}

/**
 * AURORA_POLICY and AURORA_GUARDRAIL checked when the configuration is read, alongside every
 * other variable: the strategist's policy registry builds the policy they describe, fresh and in
 * memory (no engine, no store), as the engine will (with a guardrail, `guardedPolicyConfig`), and
 * each field it refuses is reported under its variable. The policies get AURORA_REWARD_WEIGHTS, as
 * the engine gives them its `rewardWeights`, so a policy config naming other weights is refused
 * here. Empty when both are fine or unset.
 * Whether the policy matches a stored model is only known when the engine opens it.
 */
export function policyProblems(settings: PolicySettings): ConfigProblem[] {
  const { policy, guardrail } = settings;
  // The engine would run AURORA_POLICY and never look at the guardrail's own policy, not even to check it.
  if (policy !== undefined && guardrail !== undefined && "policy" in guardrail) {
    return [
      {
        variable: "AURORA_POLICY",
        message:
          'is set while AURORA_GUARDRAIL names a policy of its own (its "policy" field): say the guarded policy once, in AURORA_POLICY or in AURORA_GUARDRAIL, not both',
      },
    ];
  }
  // A guardrail inside a guardrail, the inner one's settings ignored by the operator's eye.
  if (guardrail !== undefined && (policy as { kind?: unknown } | undefined)?.kind === "guardrail") {
    return [
      {
        variable: "AURORA_POLICY",
        message:
          "is a guardrail while AURORA_GUARDRAIL is set too, which would guard it again: give the guardrail's settings in one place, AURORA_POLICY or AURORA_GUARDRAIL",
      },
    ];
  }
  if (policy === undefined && guardrail === undefined) return [];
  const deps = settings.rewardWeights !== undefined ? { rewardWeights: settings.rewardWeights } : {};
  /** The problems the registry finds in the config `build` gives, each under its variable (`as` says whose fields are whose). */
  const check = (build: () => PolicyConfig, as: PolicySettings): ConfigProblem[] => {
    try {
      createPolicy(build(), deps);
      return [];
    } catch (error) {
      const refused = policyConfigError(error, as);
      if (refused) return refused.problems;
      // Not a field the registry names (a bug, or a shape it did not expect): still the variable's.
      return [{ variable: as.guardrail === undefined ? "AURORA_POLICY" : "AURORA_GUARDRAIL", message: reasonOf(error) }];
    }
  };
  const guarded = (inner: PolicyConfig | undefined) => () => guardedPolicyConfig(inner, guardrail as GuardrailSettings);
  if (guardrail === undefined) return check(() => policy as PolicyConfig, settings);
  if (policy === undefined) return check(guarded(undefined), settings);
  // Both set: each checked alone, so that the problems of both are named at once (the guardrail's
  // settings around a stand-in policy), then together (how deep the two nest).
  const problems = [
    ...check(() => policy as PolicyConfig, { policy, guardrail: undefined }),
    ...check(guarded({ kind: "rule" }), { policy: undefined, guardrail }),
  ];
  return problems.length > 0 ? problems : check(guarded(policy as PolicyConfig), settings);
}
