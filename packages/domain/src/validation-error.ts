import type { z } from "zod";
import { AuroraError } from "./errors.js";

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `providers[2].price_usd_per_hour`. */
  field: string;
  message: string;
}

/**
 * Bad input. The message starts with the field's path so that a person reading a log
 * line or an HTTP 400 body knows what to fix; `issues` lists every problem found.
 */
export class ValidationError extends AuroraError {
  readonly field: string;
  readonly issues: ValidationIssue[];

  constructor(issues: ValidationIssue[], options?: { cause?: unknown }) {
    const first = issues[0] ?? { field: "(root)", message: "invalid input" };
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    super("VALIDATION_ERROR", `${first.field}: ${first.message}${more}`, options);
    this.field = first.field;
    this.issues = issues;
  }

  static forField(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

/** Renders a zod path as `a.b[2].c`, prefixed with `root` when given. */
export function formatPath(path: ReadonlyArray<PropertyKey>, root?: string): string {
  let out = root ?? "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Turns a zod error into a `ValidationError` naming each field. */
export function toValidationError(error: z.core.$ZodError, root?: string): ValidationError {
  const issues = error.issues.map((issue) => ({
    field: formatPath(issue.path, root),
    message: issue.message,
  }));
  return new ValidationError(issues, { cause: error });
}

/** Parses `value` with `schema`, throwing a `ValidationError` that names the field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, root?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw toValidationError(result.error, root);
  return result.data;
}
