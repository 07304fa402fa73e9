import type { ValidationIssue } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import { MODEL_FORMAT, MODEL_VERSION, otherPolicy } from "./model-snapshot.js";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An own property only: `__proto__` or `constructor` in a parsed file is data, never the prototype's. */
export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

export function requireCount(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw ValidationError.forField(field, "must be a whole number ≥ 0");
  }
  return value as number;
}

export function requireFinite(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw ValidationError.forField(field, "must be a finite number");
  return value;
}

export function requireRewards(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw ValidationError.forField(field, "must be an array of rewards");
  for (let i = 0; i < value.length; i++) requireFinite(value[i], `${field}[${i}]`);
  return value as number[];
}

/**
 * Checks a composite or rule policy snapshot's head: an object whose `format`, `version` and
 * `policy` say it is this policy's Aurora model.
 */
export function requireSnapshotHead(value: unknown, policy: string): JsonObject {
  if (!isObject(value)) {
    throw ValidationError.forField("(root)", `a "${policy}" policy snapshot must be a JSON object (its toJSON() output)`);
  }
  const format = own(value, "format");
  if (format !== MODEL_FORMAT) {
    throw ValidationError.forField("format", `must be "${MODEL_FORMAT}", got ${JSON.stringify(format) ?? "nothing"}`);
  }
  const version = own(value, "version");
  if (version !== MODEL_VERSION) {
    throw ValidationError.forField(
      "version",
      `is ${JSON.stringify(version) ?? "missing"}, but this @aurora/strategist reads version ${MODEL_VERSION}: upgrade it to read this file`,
    );
  }
  const kind = own(value, "policy");
  if (kind !== policy) throw ValidationError.forField("policy", otherPolicy(kind, policy));
  return value;
}

/** Runs `action`, prefixing the fields of any `ValidationError` it throws with `prefix` (`arms[1].policy`). */
export function withFieldPrefix<T>(prefix: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const issues: ValidationIssue[] = error.issues.map((issue) => ({
      field: issue.field === "(root)" ? prefix : `${prefix}.${issue.field}`,
      message: issue.message,
    }));
    throw new ValidationError(issues, { cause: error });
  }
}

/** Refuses keys not in `known`, naming each as `root.key` and listing what is accepted. */
export function refuseUnknownKeys(input: JsonObject, known: readonly string[], what: string, root?: string): void {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      issues.push({ field: root ? `${root}.${key}` : key, message: `is not ${what} option: use ${known.join(", ")}` });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * A composite policy's snapshot to resume from, checked (absent when there is none), and the
 * params it saved (`{}` when none), which options given at creation override.
 */
export function resumedSnapshot(value: unknown, policy: string): { snapshot: JsonObject | undefined; saved: JsonObject } {
  const snapshot = value === undefined ? undefined : requireSnapshotHead(value, policy);
  const saved = snapshot && isObject(own(snapshot, "params")) ? (own(snapshot, "params") as JsonObject) : {};
  return { snapshot, saved };
}
