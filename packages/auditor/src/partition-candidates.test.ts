import type { Constraints, Context, Provider } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkConstraints } from "./check-constraints.js";
import { partitionCandidates } from "./partition-candidates.js";

const context: Context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };

const provider = (provider_id: string, extra: Partial<Provider> = {}): Provider => ({
  provider_id,
  price_usd_per_hour: 2,
  latency_ms: 100,
  reputation: 90,
  capacity_available: null,
  gpu_types: ["a100"],
  regions: ["us-west"],
  ...extra,
});

describe("partitionCandidates", () => {
  it("puts every provider in compliant, in input order, without constraints", () => {
    const providers = [provider("b"), provider("a", { price_usd_per_hour: 1e6 })];
    const partition = partitionCandidates(providers, undefined, context);
    expect(partition).toEqual({ compliant: providers, violating: [], excluded: [] });
    expect(partition.compliant).not.toBe(providers);
  });

  it("splits candidates into compliant, violating and excluded, each in input order", () => {
    const cheap = provider("cheap", { price_usd_per_hour: 1 });
    const dear = provider("dear", { price_usd_per_hour: 5 });
    const slowDear = provider("slow-dear", { price_usd_per_hour: 5, latency_ms: 900 });
    const banned = provider("banned", { price_usd_per_hour: 1 });
    const stranger = provider("stranger", { price_usd_per_hour: 1 });
    const ok = provider("ok");
    const constraints: Constraints = {
      max_price: 3,
      max_latency_ms: 500,
      allow: ["cheap", "dear", "slow-dear", "banned", "ok"],
      deny: ["banned"],
    };
    expect(partitionCandidates([cheap, dear, banned, slowDear, stranger, ok], constraints, context)).toEqual({
      compliant: [cheap, ok],
      violating: [
        { provider: dear, violations: ["price_exceeded"] },
        { provider: slowDear, violations: ["price_exceeded", "latency_exceeded"] },
      ],
      excluded: [
        { provider: banned, rule: "denied" },
        { provider: stranger, rule: "not_allowed" },
      ],
    });
  });

  it("excludes every provider with an empty allow list", () => {
    const partition = partitionCandidates([provider("a"), provider("b")], { allow: [] }, context);
    expect(partition.excluded.map((e) => e.rule)).toEqual(["not_allowed", "not_allowed"]);
  });

  it.each([0, 40])(
    "treats __proto__ and constructor as ordinary ids in short and long lists, with %i more candidates",
    (more) => {
      const providers = [
        provider("__proto__"),
        provider("constructor"),
        provider("toString"),
        ...Array.from({ length: more }, (_, i) => provider(`other-${i}`)),
      ];
      const filler = Array.from({ length: 20 }, (_, i) => `filler-${i}`);
      for (const deny of [["__proto__"], [...filler, "__proto__"]]) {
        const partition = partitionCandidates(providers, { deny }, context);
        expect(partition.excluded.map((e) => e.provider.provider_id)).toEqual(["__proto__"]);
        expect(partition.compliant).toEqual(providers.slice(1));
      }
      const allowed = partitionCandidates(providers, { allow: [...filler, "constructor"] }, context);
      expect(allowed.compliant.map((p) => p.provider_id)).toEqual(["constructor"]);
    },
  );

  it("uses context.gpu_hours for the job's cost", () => {
    const p = provider("a", { price_usd_per_hour: 2 });
    expect(partitionCandidates([p], { max_cost_usd: 5 }, { ...context, gpu_hours: 3 }).violating).toEqual([
      { provider: p, violations: ["cost_exceeded"] },
    ]);
  });

  describe("properties", () => {
    const ID_POOL = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "__proto__", "constructor"];
    const idList = fc.subarray(ID_POOL);
    const providerArb = (id: string) =>
      fc.record({
        provider_id: fc.constant(id),
        price_usd_per_hour: fc.double({ min: 0, max: 20, noNaN: true }),
        latency_ms: fc.double({ min: 0, max: 1000, noNaN: true }),
        reputation: fc.double({ min: 0, max: 100, noNaN: true }),
        capacity_available: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null }),
        gpu_types: fc.subarray(["a100", "H100", "mi300"]),
        regions: fc.subarray(["us-west", "EU-central", "ap-south"]),
      });
    const providersArb = fc
      .uniqueArray(fc.constantFrom(...ID_POOL), { maxLength: ID_POOL.length })
      .chain((ids) => fc.tuple(...ids.map(providerArb)));
    const constraintsArb: fc.Arbitrary<Constraints | undefined> = fc.option(
      fc.record(
        {
          max_price: fc.double({ min: 0, max: 20, noNaN: true }),
          max_latency_ms: fc.double({ min: 0, max: 1000, noNaN: true }),
          min_reputation: fc.double({ min: 0, max: 100, noNaN: true }),
          region: fc.constantFrom("us-west", "eu-central", "AP-SOUTH"),
          gpu_type: fc.constantFrom("a100", "h100", "MI300"),
          gpu_hours: fc.double({ min: 0.1, max: 100, noNaN: true }),
          max_cost_usd: fc.double({ min: 0, max: 200, noNaN: true }),
          allow: idList,
          deny: idList,
        },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    );
    const contextArb = fc.double({ min: 0.1, max: 20, noNaN: true }).map((gpu_hours) => ({ ...context, gpu_hours }));

    it("puts every provider in exactly one bucket", () => {
      fc.assert(
        fc.property(providersArb, constraintsArb, contextArb, (providers, constraints, ctx) => {
          const { compliant, violating, excluded } = partitionCandidates(providers, constraints, ctx);
          const placed = [...compliant, ...violating.map((v) => v.provider), ...excluded.map((e) => e.provider)];
          expect(placed).toHaveLength(providers.length);
          expect(new Set(placed)).toEqual(new Set(providers));
        }),
      );
    });

    it("keeps in compliant only providers that checkConstraints finds nothing against, and reports its violations for the rest", () => {
      fc.assert(
        fc.property(providersArb, constraintsArb, contextArb, (providers, constraints, ctx) => {
          const { compliant, violating } = partitionCandidates(providers, constraints, ctx);
          for (const p of compliant) expect(checkConstraints(p, constraints, ctx)).toEqual([]);
          for (const v of violating) {
            expect(v.violations.length).toBeGreaterThan(0);
            expect(v.violations).toEqual(checkConstraints(v.provider, constraints, ctx));
          }
        }),
      );
    });

    it("never puts a denied or not-allowed provider in compliant or violating", () => {
      fc.assert(
        fc.property(providersArb, constraintsArb, contextArb, (providers, constraints, ctx) => {
          const { compliant, violating, excluded } = partitionCandidates(providers, constraints, ctx);
          const choosable = [...compliant, ...violating.map((v) => v.provider)];
          for (const p of choosable) {
            expect(constraints?.deny?.includes(p.provider_id) ?? false).toBe(false);
            expect(constraints?.allow === undefined || constraints.allow.includes(p.provider_id)).toBe(true);
          }
          for (const e of excluded) {
            const denied = constraints?.deny?.includes(e.provider.provider_id) ?? false;
            expect(e.rule).toBe(denied ? "denied" : "not_allowed");
          }
        }),
      );
    });
  });
});
