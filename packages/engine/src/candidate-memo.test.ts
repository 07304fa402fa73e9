import { type ProviderInput, ValidationError } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CandidateMemo } from "./candidate-memo.js";
import { RoutingEngine } from "./routing-engine.js";
import { parseDecideRequest } from "./wire-parsers.js";

const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };

function market(): ProviderInput[] {
  return [
    {
      provider_id: "alpha",
      price_usd_per_hour: 2,
      latency_ms: 80,
      reputation: 90,
      capacity_available: 50,
      gpu_types: ["a100"],
      regions: ["us-west"],
    },
    { provider_id: "beta", price_usd_per_hour: 3, latency_ms: 60, reputation: 95 },
    { provider_id: "gamma", price_usd_per_hour: 1, latency_ms: 120, reputation: 80, capacity_available: null, regions: [] },
  ];
}

/** Validates `input` as decide does and remembers it; returns what validation gave. */
function validated(memo: CandidateMemo, input: unknown) {
  const output = parseDecideRequest({ context, providers: input as ProviderInput[] }).providers;
  return memo.remember(input, output);
}

describe("CandidateMemo", () => {
  it("finds a list equal to one validated before, as a new array of new objects with the same values", () => {
    const memo = new CandidateMemo();
    const first = validated(memo, market());
    expect(memo.find(market())).toBe(first);
    expect(first).toEqual(parseDecideRequest({ context, providers: market() }).providers);
  });

  it("finds nothing for a list never validated, or one that was not an array", () => {
    const memo = new CandidateMemo();
    expect(memo.find(market())).toBeUndefined();
    validated(memo, market());
    expect(memo.find(undefined)).toBeUndefined();
    expect(memo.find({ 0: market()[0], length: 1 })).toBeUndefined();
  });

  it("misses whenever a field the schema reads differs, however slightly", () => {
    const memo = new CandidateMemo();
    validated(memo, market());
    const changes: ((list: Record<string, unknown>[]) => void)[] = [
      (l) => (l[0]!.price_usd_per_hour = 2.0000001),
      (l) => (l[1]!.latency_ms = 61),
      (l) => (l[2]!.reputation = 81),
      (l) => (l[1]!.provider_id = "delta"),
      (l) => (l[0]!.capacity_available = 49),
      (l) => (l[2]!.capacity_available = undefined), // null before
      (l) => (l[1]!.capacity_available = undefined), // absent before: zod keeps an explicit undefined as a key
      (l) => (l[0]!.gpu_types = ["a100", "h100"]),
      (l) => (l[0]!.gpu_types = ["h100"]),
      (l) => (l[1]!.gpu_types = []), // absent (defaulted) before
      (l) => (l[2]!.regions = undefined), // an explicit [] before
      (l) => (l[0]!.price_usd_per_hour = -0 + 2),
      (l) => l.pop(),
      (l) => l.push({ ...l[0], provider_id: "extra" }),
      (l) => l.reverse(),
      (l) => (l[1] = ["beta"] as unknown as Record<string, unknown>),
    ];
    const missed = changes.map((change) => {
      const list = market() as unknown as Record<string, unknown>[];
      change(list);
      return memo.find(list);
    });
    // The one change that keeps every value (2 is 2) is found; every other one is not, even where
    // validation would give the same output (undefined and [] both become []): a miss only costs a validation.
    expect(missed.map((found) => found !== undefined)).toEqual(changes.map((_, i) => i === 11));
  });

  it("ignores fields the schema strips, as validation does", () => {
    const memo = new CandidateMemo();
    const first = validated(memo, market());
    const list = market().map((p) => ({ ...p, note: "not a provider field" }));
    expect(memo.find(list)).toBe(first);
  });

  it("freezes what it hands out, since every decision that used the list shares it", () => {
    const memo = new CandidateMemo();
    const first = validated(memo, market());
    expect(Object.isFrozen(first)).toBe(true);
    for (const provider of first) {
      expect(Object.isFrozen(provider)).toBe(true);
      expect(Object.isFrozen(provider.gpu_types)).toBe(true);
      expect(Object.isFrozen(provider.regions)).toBe(true);
    }
  });

  it("does not remember an input that reads differently from what validation saw", () => {
    const memo = new CandidateMemo();
    const list = market();
    let reads = 0;
    Object.defineProperty(list[1], "latency_ms", { get: () => (reads++ === 0 ? 60 : 61), enumerable: true });
    validated(memo, list);
    expect(memo.find(market())).toBeUndefined();
  });

  it("keeps the four lists used most recently", () => {
    const memo = new CandidateMemo();
    const lists = [1, 2, 3, 4, 5].map((n) => market().map((p) => ({ ...p, latency_ms: n })));
    const outputs = lists.map((list) => validated(memo, structuredClone(list)));
    expect(memo.find(structuredClone(lists[0]))).toBeUndefined();
    for (let n = 1; n < 5; n++) expect(memo.find(structuredClone(lists[n]))).toBe(outputs[n]);
  });

  it("finds only what validation would accept, and then exactly what it would return (property)", () => {
    const value = fc.oneof(
      fc.constantFrom(0, -0, 1, 2, 3, 80, 100, 101, -1, Number.NaN, Infinity, null, undefined, "2"),
      fc.double(),
    );
    const stringList = fc.oneof(fc.constant(undefined), fc.constant(null), fc.array(fc.constantFrom("a100", "h100", 7)));
    const edit = fc.record({
      index: fc.nat(3),
      field: fc.constantFrom(
        "provider_id",
        "price_usd_per_hour",
        "latency_ms",
        "reputation",
        "capacity_available",
        "gpu_types",
        "regions",
        "delete",
      ),
      value: fc.oneof(value, stringList, fc.constantFrom("alpha", "beta", "")),
      key: fc.constantFrom("capacity_available", "gpu_types", "regions", "price_usd_per_hour"),
    });
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 3 }), fc.array(edit, { maxLength: 3 }), (before, after) => {
        const memo = new CandidateMemo();
        const apply = (edits: typeof before) => {
          const list = market() as unknown as Record<string, unknown>[];
          for (const { index, field, value: v, key } of edits) {
            const provider = list[index % list.length]!;
            if (field === "delete") delete provider[key];
            else provider[field] = v;
          }
          return list;
        };
        try {
          validated(memo, apply(before));
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return;
        }
        const input = apply(after);
        const found = memo.find(input);
        let expected: unknown;
        try {
          expected = parseDecideRequest({ context, providers: input as unknown as ProviderInput[] }).providers;
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect(found).toBeUndefined();
          return;
        }
        if (found !== undefined) {
          expect(found).toEqual(expected);
          // Key presence too (toEqual treats an undefined key as absent).
          expect(found.map((p) => Object.keys(p))).toEqual((expected as object[]).map((p) => Object.keys(p)));
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("RoutingEngine with a remembered candidate list", () => {
  it("sees a change to a list it has validated before: a provider priced over the cap is no longer chosen", () => {
    const engine = new RoutingEngine({ seed: 3 });
    const providers = market();
    const constraints = { max_price: 2.5 };
    for (let i = 0; i < 20; i++) engine.decide({ context, providers, constraints });
    (providers[0] as { price_usd_per_hour: number }).price_usd_per_hour = 9;
    (providers[2] as { price_usd_per_hour: number }).price_usd_per_hour = 9;
    const { provider_id, metadata } = engine.decide({ context, providers, constraints });
    // beta costs 3 > 2.5 and now every candidate violates the cap: the engine falls back and says so.
    expect(metadata.validated).toBe(false);
    expect(metadata.compliant_count).toBe(0);
    expect(provider_id).not.toBeNull();
  });

  it("reports a bad field of a request whose candidates it remembers, naming the field", () => {
    const engine = new RoutingEngine({ seed: 3 });
    engine.decide({ context, providers: market() });
    let error: unknown;
    try {
      engine.decide({ context: { ...context, gpu_hours: -1 }, providers: market() });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain("context.gpu_hours");
  });
});
