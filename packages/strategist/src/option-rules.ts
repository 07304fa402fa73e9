import type { ValidationIssue } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";

/** One option: its default, the values it accepts, and what to say when it is wrong. */
export interface OptionRule<T> {
  readonly default: T;
  /** The problems with a supplied value (none: it is accepted); `field` is the option's path. */
  readonly check: (value: unknown, field: string) => ValidationIssue[];
  /** Turns an accepted value into the resolved one (fills an object's defaults); identity when absent. */
  readonly resolve?: (value: unknown) => T;
}

export type OptionRules<P> = { readonly [K in keyof P]: OptionRule<P[K]> };

/** A rendering of a bad value for a message: `1.5`, `"0.1"`, `null`, `object`. */
export function describeValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return value === null ? "null" : typeof value;
}

/** A numeric option: `accepts` decides, `message` (starting "must …") says what it must be. */
export function numberRule(defaultValue: number, accepts: (value: number) => boolean, message: string): OptionRule<number> {
  return {
    default: defaultValue,
    check: (value, field) =>
      typeof value === "number" && accepts(value) ? [] : [{ field, message: `${message}, got ${describeValue(value)}` }],
  };
}

/** `rules` with some defaults replaced (a policy whose tuned defaults differ from the shared ones). */
export function withDefaults<P>(rules: OptionRules<P>, defaults: Partial<P>): OptionRules<P> {
  const out = { ...rules } as Record<keyof P, OptionRule<unknown>>;
  for (const key of Object.keys(defaults) as (keyof P)[]) out[key] = { ...out[key], default: defaults[key] };
  return out as OptionRules<P>;
}

/** A whole-number option from `min` to `max`. */
export function integerRule(defaultValue: number, min: number, max: number, what: string): OptionRule<number> {
  return numberRule(
    defaultValue,
    (v) => Number.isInteger(v) && v >= min && v <= max,
    `must be a whole number from ${min} to ${max.toLocaleString("en")} (${what})`,
  );
}

function fieldName(name: string, root: string | undefined): string {
  return root ? `${root}.${name}` : name;
}

function unknownOptionMessage(kind: string, key: string, names: readonly string[]): string {
  const camel = key.replace(/_([a-z])/gi, (_, c: string) => c.toUpperCase());
  const hint = names.includes(camel) ? `did you mean ${camel}? ` : "";
  return `is not a ${kind} option: ${hint}use ${names.join(", ")}`;
}

/** Every option at its default. */
function defaultOptions<P>(rules: OptionRules<P>): P {
  const resolved = {} as P;
  for (const name of Object.keys(rules) as (keyof P)[]) resolved[name] = rules[name].default;
  return resolved;
}

/**
 * Validates a policy's options and fills in defaults. Every problem is reported, each naming
 * its option (prefixed with `root`, e.g. `params.discount`, when given); an option set to
 * `undefined` takes its default; an option the policy does not know is refused, with a hint
 * when it is the snake_case twin of one it knows.
 */
export function resolveOptions<P>(kind: string, rules: OptionRules<P>, input: unknown, root?: string): P {
  const resolved = defaultOptions(rules);
  if (input === undefined) return resolved;
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw ValidationError.forField(root ?? "(root)", `must be an object of ${kind} options`);
  }
  const names = Object.keys(rules);
  const issues: ValidationIssue[] = [];
  for (const [key, value] of Object.entries(input)) {
    const field = fieldName(key, root);
    if (!Object.hasOwn(rules, key)) {
      issues.push({ field, message: unknownOptionMessage(kind, key, names) });
      continue;
    }
    if (value === undefined) continue;
    const rule = rules[key as keyof P];
    const problems = rule.check(value, field);
    if (problems.length > 0) {
      issues.push(...problems);
      continue;
    }
    resolved[key as keyof P] = rule.resolve ? rule.resolve(value) : (value as P[keyof P]);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return resolved;
}
