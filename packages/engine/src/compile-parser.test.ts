import {
  constraintsSchema,
  contextSchema,
  decideRequestSchema,
  idSchema,
  outcomeSchema,
  parseWith,
  predicateRefinement,
  providerSchema,
  providersSchema,
  psiMetricsSchema,
  ValidationError,
} from "@aurora/domain";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { compileFastPath, compileParser, DEFER } from "./compile-parser.js";

// Values near every edge the schemas draw: types, NaN and infinities, bounds, lengths counted in
// code points (an emoji is two UTF-16 units), ':' in state-key parts, and ids that are prototype keys.
const numbers = fc.oneof(
  fc.double(),
  fc.integer({ min: -2, max: 202 }),
  fc.constantFrom(0, -0, 1, 100, 100.000001, -1e-9, Number.NaN, Infinity, -Infinity, Number.MAX_VALUE),
);
const emojiRun = (min: number, max: number) => fc.integer({ min, max }).map((n) => "🚀".repeat(n));
const strings = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("", "a", "llm_inference", "us-west", "a:b", "__proto__", "constructor", "toString", "\uD800"),
  fc.integer({ min: 95, max: 205 }).map((n) => "x".repeat(n)),
  emojiRun(45, 105),
  emojiRun(1, 2),
);
const wrong = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  numbers,
  strings,
);
/** Usually `valid`, now and then anything near an edge. */
const near = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 25, arbitrary: valid }, { weight: 1, arbitrary: wrong });
/**
 * An object with each key now and then left out, and an extra key now and then (zod strips it; a
 * strict object, `constraints`, refuses it: `extraOneIn` keeps most of those valid).
 */
const record = (fields: Record<string, fc.Arbitrary<unknown>>, extraOneIn?: number) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, fc.option(value, { freq: 25 })]))),
      extraOneIn === undefined
        ? fc.option(fc.constantFrom("extra", "__proto__", "constructor"), { freq: 4 })
        : fc.oneof(
            { weight: extraOneIn - 1, arbitrary: fc.constant(null) },
            { weight: 1, arbitrary: fc.constantFrom("max_prize", "__proto__", "constructor") },
          ),
      fc.boolean(),
      fc.boolean(),
    )
    .map(([value, extraKey, asJson, nullsToo]) => {
      // A left-out value is either absent or null.
      const present = Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null || nullsToo));
      const out: Record<string, unknown> = asJson ? JSON.parse(JSON.stringify(present)) : present;
      // An own "__proto__" key, as JSON.parse makes one.
      if (extraKey !== null)
        Object.defineProperty(out, extraKey, { value: 1, enumerable: true, writable: true, configurable: true });
      return out;
    });

const keyPart = fc.oneof(
  fc.constantFrom("llm_inference", "a100", "us-west", "__proto__", "constructor", "x".repeat(100), "🚀".repeat(100)),
  fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes(":")),
);
const atLeastZero = fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(0, -0, 100));
const upTo = (max: number) => fc.oneof(fc.double({ min: 0, max, noNaN: true }), fc.constantFrom(0, max));
const providerId = fc.constantFrom("p0", "p1", "p2", "p3", "__proto__", "constructor", "🚀".repeat(200));

const context = record({
  workload_type: near(keyPart),
  gpu_type: near(keyPart),
  region: near(keyPart),
  gpu_hours: near(fc.double({ min: 1e-9, max: 1e3, noNaN: true })),
});
const provider = record({
  provider_id: near(providerId),
  price_usd_per_hour: near(atLeastZero),
  latency_ms: near(atLeastZero),
  reputation: near(upTo(100)),
  capacity_available: near(fc.oneof(atLeastZero, fc.constant(null))),
  gpu_types: near(fc.array(near(strings), { maxLength: 3 })),
  regions: near(fc.array(near(strings), { maxLength: 3 })),
});
/** Distinct ids but now and then (then the list is refused); `__proto__` and `constructor` among them. */
const providers = near(
  fc
    .tuple(fc.array(provider, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.nat(2))
    .map(([list, distinct, offset]) =>
      distinct
        ? list.map((p, i) =>
            "provider_id" in p && typeof p.provider_id === "string"
              ? { ...p, provider_id: ["p0", "__proto__", "constructor", "p3", "p4", "p5"][i + offset] }
              : p,
          )
        : list,
    ),
);
/**
 * Longer lists, on both sides of the 16 ids up to which the duplicate check scans pairwise (a Set
 * beyond): valid providers whose ids are distinct or, now and then, repeat one anywhere in the list.
 */
const validProvider = (id: string) => ({
  provider_id: id,
  price_usd_per_hour: 2,
  latency_ms: 100,
  reputation: 90,
  gpu_types: ["a100"],
  regions: ["us-west"],
});
const longProviders = fc
  .tuple(fc.integer({ min: 14, max: 20 }), fc.option(fc.tuple(fc.nat(), fc.nat()), { freq: 2 }))
  .map(([n, repeat]) => {
    const ids = Array.from({ length: n }, (_, i) => (i === 1 ? "__proto__" : `p${i}`));
    if (repeat !== null) ids[repeat[0] % n] = ids[repeat[1] % n] as string;
    return ids.map(validProvider);
  });
const idList = near(fc.array(near(providerId), { maxLength: 3 }));
const constraints = record(
  {
    max_price: near(atLeastZero),
    max_latency_ms: near(atLeastZero),
    min_reputation: near(upTo(100)),
    region: near(keyPart),
    gpu_type: near(keyPart),
    gpu_hours: near(fc.double({ min: 1e-9, max: 1e3, noNaN: true })),
    max_cost_usd: near(atLeastZero),
    allow: idList,
    deny: idList,
  },
  10,
);
const psi = record({ density: near(upTo(1)), coherence: near(upTo(1)), entropy: near(upTo(1)) });
const decideRequest = record({
  context: near(context),
  providers,
  constraints: near(constraints),
  psi_metrics: near(psi),
  explain: near(fc.boolean()),
});
const outcome = record({
  decision_id: near(fc.oneof(providerId, strings)),
  success: near(fc.boolean()),
  actual_cost_usd: near(atLeastZero),
  actual_latency_ms: near(atLeastZero),
  actual_reputation: near(upTo(100)),
  error_reason: near(fc.oneof(strings, fc.constant("e".repeat(2001)))),
  provider_id: near(providerId),
  failed_before: near(
    fc.oneof(fc.array(providerId, { maxLength: 4 }), fc.array(fc.oneof(providerId, strings), { minLength: 100, maxLength: 101 })),
  ),
});

/** The fast path accepts exactly what zod accepts, and then returns exactly zod's output. */
function agreesWithZod(schema: z.ZodType, value: unknown): void {
  const fast = compileFastPath(schema);
  expect(fast).toBeTypeOf("function");
  const byZod = schema.safeParse(value);
  const byFastPath = fast!(value);
  if (byZod.success) expect(byFastPath).toStrictEqual(byZod.data);
  else expect(byFastPath).toBe(DEFER);
}

describe("compileFastPath", () => {
  const cases: [string, z.ZodType, fc.Arbitrary<unknown>][] = [
    ["decideRequestSchema", decideRequestSchema, decideRequest],
    ["outcomeSchema", outcomeSchema, outcome],
    ["contextSchema", contextSchema, context],
    ["providerSchema", providerSchema, provider],
    ["providersSchema", providersSchema, providers],
    ["providersSchema (14 to 20 providers)", providersSchema, longProviders],
    ["constraintsSchema", constraintsSchema, constraints],
    ["psiMetricsSchema", psiMetricsSchema, psi],
    ["idSchema", idSchema, near(strings)],
  ];
  for (const [name, schema, values] of cases) {
    it(`accepts exactly what ${name} accepts, with zod's output`, () => {
      fc.assert(
        fc.property(values, (value) => agreesWithZod(schema, value)),
        { numRuns: 5_000 },
      );
    });
  }

  it("is compared on inputs of which many are valid and many are not", () => {
    for (const [name, schema, values] of cases) {
      const sample = fc.sample(values, { numRuns: 1_000, seed: 7 });
      const valid = sample.filter((value) => schema.safeParse(value).success).length;
      expect({ name, valid, enoughValid: valid >= 50, enoughInvalid: valid <= 950 }).toEqual({
        name,
        valid,
        enoughValid: true,
        enoughInvalid: true,
      });
    }
  });

  it("accepts anything at all exactly as zod does", () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true }), (value) => {
        agreesWithZod(decideRequestSchema, value);
        agreesWithZod(outcomeSchema, value);
      }),
      { numRuns: 1_000 },
    );
  });

  it("runs a predicateRefinement's predicate on the fast path and leaves its failures to zod", () => {
    const calls = { passes: 0, explain: 0 };
    const schema = z.array(z.string()).check(
      predicateRefinement<string[]>(
        (list) => {
          calls.passes++;
          return list.length % 2 === 0;
        },
        (_list, ctx) => {
          calls.explain++;
          ctx.addIssue({ code: "custom", message: "must have an even length" });
        },
      ),
    );
    const fast = compileFastPath(schema)!;
    expect(fast(["a", "b"])).toStrictEqual(["a", "b"]);
    expect(fast(["a"])).toBe(DEFER);
    expect(calls).toEqual({ passes: 2, explain: 0 });
  });

  it("takes the fast path for a valid request, filling zod's defaults", () => {
    const fast = compileFastPath(decideRequestSchema)!;
    const request = {
      context: { workload_type: "llm_inference", gpu_type: "a100", region: "us-west" },
      providers: [{ provider_id: "akash", price_usd_per_hour: 2.5, latency_ms: 120, reputation: 95 }],
    };
    expect(fast(request)).toStrictEqual({
      context: { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 },
      providers: [{ provider_id: "akash", price_usd_per_hour: 2.5, latency_ms: 120, reputation: 95, gpu_types: [], regions: [] }],
    });
  });

  it("gives each parse its own copy of a default, as zod does", () => {
    const fast = compileFastPath(providerSchema)!;
    const first = fast({ provider_id: "a", price_usd_per_hour: 1, latency_ms: 1, reputation: 1 }) as { regions: string[] };
    const second = fast({ provider_id: "b", price_usd_per_hour: 1, latency_ms: 1, reputation: 1 }) as { regions: string[] };
    expect(first.regions).not.toBe(second.regions);
  });

  it("agrees with zod on schemas it does not compile itself: formats, transforms, strict and loose objects", () => {
    const schemas: z.ZodType[] = [
      z.object({ email: z.email(), name: z.string().trim().min(2) }),
      z.object({ n: z.number().int().max(10) }).strict(),
      z.looseObject({ a: z.string() }),
      z.object({ d: z.number().default(3).optional(), t: z.string().transform((s) => s.length) }),
      z.array(z.union([z.string(), z.number()])).max(2),
    ];
    const value = fc.oneof(
      record({ email: near(fc.constantFrom("a@b.co", "nope")), name: near(strings) }),
      record({ n: near(numbers) }),
      record({ a: near(strings), d: near(numbers), t: near(strings) }),
      fc.array(near(fc.oneof(strings, numbers)), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(value, (v) => {
        for (const schema of schemas) agreesWithZod(schema, v);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe("compileParser", () => {
  afterEach(() => {
    z.config({ jitless: false });
  });

  it("returns zod's output for valid input", () => {
    const parse = compileParser(outcomeSchema);
    const outcomeIn = { decision_id: "d1", success: true, actual_cost_usd: 2, actual_latency_ms: 90, extra: 1 };
    expect(parse(outcomeIn)).toStrictEqual(outcomeSchema.parse(outcomeIn));
  });

  it("throws zod's ValidationError for invalid input, naming the field under the given root", () => {
    const parse = compileParser(decideRequestSchema);
    const bad = { context: { workload_type: "a:b", gpu_type: "a100", region: "us-west" }, providers: [] };
    const expected = (() => {
      try {
        parseWith(decideRequestSchema, bad, "request");
      } catch (error) {
        return error as ValidationError;
      }
    })();
    expect(() => parse(bad, "request")).toThrow(ValidationError);
    try {
      parse(bad, "request");
    } catch (error) {
      expect((error as ValidationError).field).toBe("request.context.workload_type");
      expect((error as ValidationError).issues).toEqual(expected?.issues);
      expect((error as ValidationError).message).toBe(expected?.message);
    }
  });

  it("compiles nothing under zod's jitless setting, and still parses exactly", () => {
    z.config({ jitless: true });
    expect(compileFastPath(outcomeSchema)).toBeUndefined();
    const parse = compileParser(outcomeSchema);
    expect(parse({ decision_id: "d1", success: false, actual_cost_usd: 0, actual_latency_ms: 0 })).toStrictEqual({
      decision_id: "d1",
      success: false,
      actual_cost_usd: 0,
      actual_latency_ms: 0,
    });
    expect(() => parse({ decision_id: "" })).toThrow(ValidationError);
  });
});
