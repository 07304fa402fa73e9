import { partitionCandidates } from "@aurora/auditor";
import { type Constraints, constraintsSchema, type Provider, providersSchema } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PartitionMemo, sameConstraints } from "./partition-memo.js";
import { RoutingEngine } from "./routing-engine.js";

const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };

function market(): Provider[] {
  return providersSchema.parse([
    { provider_id: "alpha", price_usd_per_hour: 2, latency_ms: 80, reputation: 90, capacity_available: 50, regions: ["us-west"] },
    { provider_id: "beta", price_usd_per_hour: 3, latency_ms: 60, reputation: 95, gpu_types: ["h100"] },
    { provider_id: "gamma", price_usd_per_hour: 1, latency_ms: 120, reputation: 70, capacity_available: 5 },
  ]);
}

const frozen = (providers: Provider[]) => Object.freeze(providers);

describe("sameConstraints", () => {
  it("compares every field a partition reads, a key set to undefined counting as absent", () => {
    const base: Constraints = { max_price: 3, allow: ["alpha", "beta"] };
    expect(sameConstraints(base, { max_price: 3, allow: ["alpha", "beta"] })).toBe(true);
    expect(sameConstraints(undefined, undefined)).toBe(true);
    expect(sameConstraints(base, undefined)).toBe(false);
    expect(sameConstraints(base, { max_price: 3.5, allow: ["alpha", "beta"] })).toBe(false);
    expect(sameConstraints(base, { max_price: 3, allow: ["beta", "alpha"] })).toBe(false);
    expect(sameConstraints(base, { max_price: 3, allow: ["alpha"] })).toBe(false);
    expect(sameConstraints(base, { max_price: 3, allow: ["alpha", "beta"], deny: [] })).toBe(false);
    expect(sameConstraints({ max_price: 3 }, { max_price: 3, region: undefined })).toBe(true);
    for (const field of ["max_latency_ms", "min_reputation", "gpu_hours", "max_cost_usd"] as const) {
      expect(sameConstraints({ [field]: 1 }, { [field]: 2 })).toBe(false);
    }
    expect(sameConstraints({ region: "us-west" }, { region: "US-West" })).toBe(false);
    expect(sameConstraints({ gpu_type: "a100" }, { gpu_type: "h100" })).toBe(false);
    expect(sameConstraints({ max_price: 0 }, { max_price: -0 })).toBe(false);
  });
});

describe("PartitionMemo", () => {
  it("reuses the partition, frozen, only for the same candidate array, equal constraints and the same job size", () => {
    const memo = new PartitionMemo();
    const providers = frozen(market());
    const constraints = (): Constraints => ({ min_reputation: 75, gpu_hours: 10 });
    const first = memo.partition(providers, constraints(), context);
    expect(first).toEqual(partitionCandidates(providers, constraints(), context));
    expect(memo.partition(providers, constraints(), context)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.compliant) && Object.isFrozen(first.violating[0])).toBe(true);
    expect(Object.isFrozen(first.violating[0]?.violations)).toBe(true);

    expect(memo.partition(frozen(market()), constraints(), context)).not.toBe(first); // another array
    const second = memo.partition(providers, constraints(), context);
    expect(memo.partition(providers, { min_reputation: 75 }, context)).not.toBe(second);
    const third = memo.partition(providers, constraints(), context);
    expect(memo.partition(providers, constraints(), { ...context, gpu_hours: 3 })).not.toBe(third);
  });

  it("hands back the constraints object it keeps, equal to the ones given, when it reused a partition", () => {
    const memo = new PartitionMemo();
    const providers = frozen(market());
    const kept = { max_price: 2.5, deny: ["beta"] };
    const partition = memo.partition(providers, kept, context);
    expect(memo.constraintsFor(kept, partition)).toBe(kept);
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.deny)).toBe(true);
    const again = { max_price: 2.5, deny: ["beta"] };
    expect(memo.constraintsFor(again, memo.partition(providers, again, context))).toBe(kept);
  });

  it("does not keep a partition of a list that is not frozen (one no other decision shares)", () => {
    const memo = new PartitionMemo();
    const providers = market();
    const first = memo.partition(providers, { max_price: 2.5 }, context);
    expect(Object.isFrozen(first)).toBe(false);
    expect(memo.partition(providers, { max_price: 2.5 }, context)).not.toBe(first);
  });

  it("always gives what partitionCandidates gives, whatever sequence of lists, constraints and job sizes", () => {
    const lists = [frozen(market()), frozen(market().slice(1)), market()];
    const constraintsArb = fc
      .record(
        {
          max_price: fc.constantFrom(1.5, 2, 3),
          max_latency_ms: fc.constantFrom(70, 100),
          min_reputation: fc.constantFrom(75, 90),
          region: fc.constantFrom("us-west", "US-WEST", "eu-central"),
          gpu_type: fc.constantFrom("a100", "h100"),
          gpu_hours: fc.constantFrom(1, 10, 60),
          max_cost_usd: fc.constantFrom(2, 5, 20),
          allow: fc.constantFrom<string[]>(["alpha", "beta"], ["gamma"], []),
          deny: fc.constantFrom<string[]>(["delta"], ["alpha"]),
        },
        { requiredKeys: [] },
      )
      .map((c): Constraints => c)
      .filter((c) => constraintsSchema.safeParse(c).success);
    const step = fc.record({
      list: fc.nat(lists.length - 1),
      constraints: fc.option(constraintsArb, { nil: undefined }),
      gpuHours: fc.constantFrom(1, 2, 8),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const memo = new PartitionMemo();
        for (const { list, constraints, gpuHours } of steps) {
          const providers = lists[list] as Provider[];
          const job = { ...context, gpu_hours: gpuHours };
          // Fresh copies each time, as a parse would give: the memo must compare values, not objects.
          const given = constraints === undefined ? undefined : structuredClone(constraints);
          const expected = partitionCandidates(providers, structuredClone(constraints), job);
          const partition = memo.partition(providers, given, job);
          expect(partition).toEqual(expected);
          expect(memo.constraintsFor(given, partition)).toEqual(constraints);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("decide with a reused partition", () => {
  const candidates = [
    { provider_id: "alpha", price_usd_per_hour: 2, latency_ms: 80, reputation: 60 },
    { provider_id: "beta", price_usd_per_hour: 3, latency_ms: 60, reputation: 65 },
  ];

  it("gives each decision its own violations array, and the archive the constraints each decision had", () => {
    const engine = new RoutingEngine({ seed: 1 });
    const request = (min_reputation: number) => ({ context, providers: candidates, constraints: { min_reputation } });
    const first = engine.decide(request(70));
    expect(first.metadata.violations).toEqual(["reputation_too_low"]);
    first.metadata.violations.push("price_exceeded");
    const second = engine.decide(request(70));
    expect(second.metadata.violations).toEqual(["reputation_too_low"]);
    const third = engine.decide(request(50));
    expect(third.metadata.violations).toEqual([]);
    expect(engine.getDecision(first.metadata.decision_id)?.request.constraints).toEqual({ min_reputation: 70 });
    expect(engine.getDecision(third.metadata.decision_id)?.request.constraints).toEqual({ min_reputation: 50 });
    const violationsOf = (id: string) => engine.getDecision(id)?.candidates.map((c) => c.violations);
    expect(violationsOf(second.metadata.decision_id)).toEqual([["reputation_too_low"], ["reputation_too_low"]]);
    expect(violationsOf(third.metadata.decision_id)).toEqual([[], []]);
  });
});
