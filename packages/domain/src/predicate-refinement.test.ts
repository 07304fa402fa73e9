import { describe, expect, it } from "vitest";
import { z } from "zod";
import { predicateOf, predicateRefinement } from "./predicate-refinement.js";

function evenLength() {
  const calls = { passes: 0, explain: 0 };
  const check = predicateRefinement<string[]>(
    (list) => {
      calls.passes++;
      return list.length % 2 === 0;
    },
    (list, ctx) => {
      calls.explain++;
      ctx.addIssue({ code: "custom", path: [list.length - 1], message: "must have an even length" });
    },
  );
  return { check, calls, schema: z.array(z.string()).check(check) };
}

describe("predicateRefinement", () => {
  it("lets zod accept a value that passes without explaining anything", () => {
    const { schema, calls } = evenLength();
    expect(schema.parse(["a", "b"])).toEqual(["a", "b"]);
    expect(calls).toEqual({ passes: 1, explain: 0 });
  });

  it("has zod report the issues that explain adds when the predicate fails", () => {
    const { schema, calls } = evenLength();
    const result = schema.safeParse(["a", "b", "c"]);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toMatchObject([{ code: "custom", path: [2], message: "must have an even length" }]);
    expect(calls).toEqual({ passes: 1, explain: 1 });
  });
});

describe("predicateOf", () => {
  it("gives the predicate of a predicateRefinement", () => {
    const { check } = evenLength();
    const passes = predicateOf(check);
    expect(passes?.(["a", "b"])).toBe(true);
    expect(passes?.(["a"])).toBe(false);
  });

  it("gives undefined for other checks and for non-objects", () => {
    expect(predicateOf(z.superRefine(() => {}))).toBeUndefined();
    expect(predicateOf(undefined)).toBeUndefined();
    expect(predicateOf("check")).toBeUndefined();
  });
});
