import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  constraintsSchema,
  contextSchema,
  decideRequestSchema,
  MAX_COST_USD,
  MAX_GPU_HOURS,
  MAX_LATENCY_MS,
  MAX_PRICE_USD_PER_HOUR,
  outcomeSchema,
  providersSchema,
} from "./schemas.js";
import { parseWith, ValidationError } from "./validation-error.js";

const provider = (id: string, extra: Record<string, unknown> = {}) => ({
  provider_id: id,
  price_usd_per_hour: 2.5,
  latency_ms: 120,
  reputation: 95,
  gpu_types: ["a100"],
  regions: ["us-west"],
  ...extra,
});

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

describe("contextSchema", () => {
  it("defaults gpu_hours to 1", () => {
    expect(parseWith(contextSchema, { workload_type: "w", gpu_type: "g", region: "r" }).gpu_hours).toBe(1);
  });

  it("refuses a ':' inside a state key part, naming the field", () => {
    expect(fieldOf(() => parseWith(contextSchema, { workload_type: "a:b", gpu_type: "g", region: "r" }, "context"))).toBe(
      "context.workload_type",
    );
  });
});

describe("providersSchema", () => {
  it("names the field of a NaN price", () => {
    expect(
      fieldOf(() => parseWith(providersSchema, [provider("a"), provider("b", { price_usd_per_hour: Number.NaN })], "providers")),
    ).toBe("providers[1].price_usd_per_hour");
  });

  it("refuses negative latency", () => {
    expect(fieldOf(() => parseWith(providersSchema, [provider("a", { latency_ms: -1 })], "providers"))).toBe(
      "providers[0].latency_ms",
    );
  });

  it("refuses duplicate provider ids", () => {
    const error = (() => {
      try {
        parseWith(providersSchema, [provider("a"), provider("a")], "providers");
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error?.field).toBe("providers[1].provider_id");
    expect(error?.message).toContain('duplicate provider_id "a"');
  });

  // The duplicate check scans pairwise up to 16 providers and uses a Set beyond: both name the field.
  for (const count of [16, 17]) {
    it(`refuses a duplicate id among ${count} providers, naming the repeated entry`, () => {
      const list = Array.from({ length: count }, (_, i) => provider(`p${i}`));
      list[count - 1] = provider("p3");
      const error = (() => {
        try {
          parseWith(providersSchema, list, "providers");
        } catch (e) {
          return e as ValidationError;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect(error?.field).toBe(`providers[${count - 1}].provider_id`);
      expect(error?.message).toBe(
        `providers[${count - 1}].provider_id: duplicate provider_id "p3": each candidate must appear once`,
      );
    });
  }

  it("names every repeated entry, not only the first", () => {
    try {
      parseWith(providersSchema, [provider("a"), provider("b"), provider("a"), provider("b")], "providers");
      expect.unreachable();
    } catch (e) {
      expect((e as ValidationError).issues.map((issue) => issue.field)).toEqual([
        "providers[2].provider_id",
        "providers[3].provider_id",
      ]);
    }
  });

  it("refuses an empty list", () => {
    expect(fieldOf(() => parseWith(providersSchema, [], "providers"))).toBe("providers");
  });

  it("takes __proto__ and constructor as ordinary ids", () => {
    const parsed = parseWith(providersSchema, [provider("__proto__"), provider("constructor")]);
    expect(parsed.map((p) => p.provider_id)).toEqual(["__proto__", "constructor"]);
  });

  it("accepts a provider parsed from JSON with an own __proto__ key", () => {
    const raw = JSON.parse('[{"provider_id":"p","price_usd_per_hour":1,"latency_ms":1,"reputation":1,"__proto__":{"x":1}}]');
    const [p] = parseWith(providersSchema, raw);
    expect(p?.provider_id).toBe("p");
    expect(Object.getPrototypeOf(p)).toBe(Object.prototype);
  });
});

describe("constraintsSchema", () => {
  it("refuses an id that is both allowed and denied", () => {
    expect(fieldOf(() => parseWith(constraintsSchema, { allow: ["a", "b"], deny: ["b"] }, "constraints"))).toBe(
      "constraints.deny[0]",
    );
  });

  it("refuses a constraint it does not know, naming it and the ones it does: a misspelt limit is not dropped", () => {
    expect(() => parseWith(constraintsSchema, { max_prize: 3 }, "constraints")).toThrow(
      'constraints: unknown constraint "max_prize": use max_price, max_latency_ms, min_reputation, region, gpu_type, gpu_hours, max_cost_usd, allow, deny',
    );
    // As JSON.parse makes it: an own "__proto__" key is an unknown constraint too, never a prototype.
    expect(fieldOf(() => parseWith(constraintsSchema, JSON.parse('{"__proto__": {"max_price": 1}}'), "constraints"))).toBe(
      "constraints",
    );
    expect(parseWith(constraintsSchema, { max_price: 3, deny: ["x"] })).toEqual({ max_price: 3, deny: ["x"] });
  });
});

describe("outcomeSchema", () => {
  it("names a missing success flag", () => {
    expect(fieldOf(() => parseWith(outcomeSchema, { decision_id: "d", actual_cost_usd: 1, actual_latency_ms: 1 }))).toBe(
      "success",
    );
  });

  describe("failed_before", () => {
    const outcome = { decision_id: "d", success: true, actual_cost_usd: 1, actual_latency_ms: 1 };
    const refusal = (failed_before: unknown) => {
      try {
        parseWith(outcomeSchema, { ...outcome, failed_before });
      } catch (error) {
        return error as ValidationError;
      }
      throw new Error("accepted");
    };

    it("keeps the providers tried first, in their order", () => {
      expect(parseWith(outcomeSchema, { ...outcome, failed_before: ["b", "a"] }).failed_before).toEqual(["b", "a"]);
    });

    it("refuses a provider named twice, naming the second", () => {
      const error = refusal(["a", "b", "a"]);
      expect(error.field).toBe("failed_before[2]");
      expect(error.message).toContain('duplicate provider "a": name each failed provider once');
    });

    it("refuses what is not a list of provider ids, and more than 100 of them", () => {
      expect(refusal("a").field).toBe("failed_before");
      expect(refusal(["a", 7]).field).toBe("failed_before[1]");
      expect(refusal([""]).field).toBe("failed_before[0]");
      const tooMany = refusal(Array.from({ length: 101 }, (_, i) => `p${i}`));
      expect(tooMany.field).toBe("failed_before");
      expect(tooMany.message).toContain("must list at most 100 providers");
    });
  });
});

describe("decideRequestSchema (property)", () => {
  it("either parses or throws a ValidationError naming a field, for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseWith(decideRequestSchema, value);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).field.length).toBeGreaterThan(0);
        }
      }),
    );
  });

  it("never accepts a non-finite or negative price", () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(Number.NaN), fc.constant(Infinity), fc.double({ max: -Number.MIN_VALUE })), (price) => {
        const request = {
          context: { workload_type: "w", gpu_type: "g", region: "r" },
          providers: [provider("a", { price_usd_per_hour: price })],
        };
        expect(fieldOf(() => parseWith(decideRequestSchema, request))).toBe("providers[0].price_usd_per_hour");
      }),
    );
  });
});

describe("upper bounds", () => {
  const context = { workload_type: "llm", gpu_type: "a100", region: "us-west" };
  const outcome = { decision_id: "d", success: true, actual_cost_usd: 1, actual_latency_ms: 1 };
  const cases: [string, number, (value: number) => unknown][] = [
    ["context.gpu_hours", MAX_GPU_HOURS, (v) => parseWith(contextSchema, { ...context, gpu_hours: v }, "context")],
    [
      "providers[0].price_usd_per_hour",
      MAX_PRICE_USD_PER_HOUR,
      (v) => parseWith(providersSchema, [provider("a", { price_usd_per_hour: v })], "providers"),
    ],
    [
      "providers[0].latency_ms",
      MAX_LATENCY_MS,
      (v) => parseWith(providersSchema, [provider("a", { latency_ms: v })], "providers"),
    ],
    ["constraints.max_price", MAX_PRICE_USD_PER_HOUR, (v) => parseWith(constraintsSchema, { max_price: v }, "constraints")],
    ["constraints.max_latency_ms", MAX_LATENCY_MS, (v) => parseWith(constraintsSchema, { max_latency_ms: v }, "constraints")],
    ["constraints.max_cost_usd", MAX_COST_USD, (v) => parseWith(constraintsSchema, { max_cost_usd: v }, "constraints")],
    ["constraints.gpu_hours", MAX_GPU_HOURS, (v) => parseWith(constraintsSchema, { gpu_hours: v }, "constraints")],
    ["actual_cost_usd", MAX_COST_USD, (v) => parseWith(outcomeSchema, { ...outcome, actual_cost_usd: v })],
    ["actual_latency_ms", MAX_LATENCY_MS, (v) => parseWith(outcomeSchema, { ...outcome, actual_latency_ms: v })],
  ];

  it.each(cases)("%s takes its bound and refuses anything above it, naming the field", (field, max, parse) => {
    expect(() => parse(max)).not.toThrow();
    for (const above of [max * (1 + 1e-12), max * 10, Number.MAX_VALUE]) expect(fieldOf(() => parse(above))).toBe(field);
    expect(() => parse(max * 10)).toThrow(`${field}: must be at most ${max.toLocaleString("en-US")}`);
  });
});
