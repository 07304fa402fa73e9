import type { ValidationError } from "@aurora/engine";
import type { SidecarConfig } from "./config.js";
import type { ConfigProblem } from "./config-error.js";
import { ConfigError } from "./config-error.js";

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
export function policyConfigError(error: unknown, config: SidecarConfig): ConfigError | undefined {
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
