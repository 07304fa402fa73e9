import { z } from "zod";

/** A rule as a plain pass/fail test. */
export type Predicate<T> = (value: T) => boolean;

const predicates = new WeakMap<object, Predicate<never>>();

/**
 * A `superRefine` check in two parts: `passes`, the rule as a predicate, and `explain`, which adds
 * the issues of a value that does not pass. zod calls `explain` only when `passes` fails, so valid
 * input pays for the predicate alone. A compiled parser can run the predicate by itself on its fast
 * path ({@link predicateOf}): no payload object, no `addIssue` closure per parse, and every failure
 * still explained by zod.
 */
export function predicateRefinement<T>(
  passes: Predicate<T>,
  explain: (value: T, ctx: z.core.$RefinementCtx<T>) => void,
): z.core.$ZodCheck<T> {
  const check = z.superRefine<T>((value, ctx) => {
    if (!passes(value)) explain(value, ctx);
  });
  predicates.set(check, passes);
  return check;
}

/** The predicate of a check made by {@link predicateRefinement}; undefined for any other check. */
export function predicateOf(check: unknown): Predicate<unknown> | undefined {
  return typeof check === "object" && check !== null ? (predicates.get(check) as Predicate<unknown> | undefined) : undefined;
}
