import { LateFeedbackError, ManualClock } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { context } from "../test/market.js";
import { RoutingEngine } from "./routing-engine.js";

const ids = ["a", "b", "c", "d", "e", "f", "g", "__proto__"];
const providerArb = (id: string) =>
  fc.record({
    provider_id: fc.constant(id),
    price_usd_per_hour: fc.double({ min: 0.1, max: 6, noNaN: true }),
    latency_ms: fc.integer({ min: 10, max: 400 }),
    reputation: fc.integer({ min: 0, max: 100 }),
    gpu_types: fc.constant(null).map(() => ["a100"]),
    regions: fc.constant(null).map(() => ["us-west"]),
  });
const providersArb = fc.subarray(ids, { minLength: 1 }).chain((chosen) => fc.tuple(...chosen.map(providerArb)));
const constraintsArb = fc.record(
  {
    max_price: fc.double({ min: 0, max: 6, noNaN: true }),
    max_latency_ms: fc.integer({ min: 0, max: 400 }),
    min_reputation: fc.integer({ min: 0, max: 100 }),
    max_cost_usd: fc.double({ min: 0, max: 12, noNaN: true }),
  },
  { requiredKeys: [] },
);
const rulesArb = fc
  .tuple(fc.subarray(ids), fc.subarray(ids))
  .map(([allow, deny]) => ({ allow: allow.length > 0 ? allow : undefined, deny: deny.filter((id) => !allow.includes(id)) }));

describe("RoutingEngine (properties)", () => {
  it("never breaks allow or deny, and ranks alternatives: compliant, distinct, without the chosen, by estimate", async () => {
    await fc.assert(
      fc.asyncProperty(
        providersArb,
        constraintsArb,
        rulesArb,
        fc.boolean(),
        fc.integer(),
        async (providers, constraints, rules, strict, seed) => {
          const engine = new RoutingEngine({
            seed,
            strictAudit: strict,
            alternatives: 3,
            policy: { kind: "q-learning", epsilon: 0.5 },
          });
          const all = { ...constraints, ...(rules.allow ? { allow: rules.allow } : {}), deny: rules.deny };
          for (let i = 0; i < 5; i++) {
            const { provider_id, metadata } = engine.decide({ context, providers, constraints: all, explain: true });
            if (provider_id !== null) {
              if (rules.allow) expect(rules.allow).toContain(provider_id);
              expect(rules.deny).not.toContain(provider_id);
              await engine.feedback({
                decision_id: metadata.decision_id,
                success: i % 2 === 0,
                actual_cost_usd: 2,
                actual_latency_ms: 100,
              });
            }
            const alternatives = metadata.alternatives.map((a) => a.provider_id);
            expect(new Set(alternatives).size).toBe(alternatives.length);
            expect(alternatives).not.toContain(provider_id);
            const estimates = metadata.alternatives.map((a) => a.estimate);
            expect([...estimates].sort((x, y) => y - x)).toEqual(estimates);
            const status = new Map(metadata.candidates!.map((c) => [c.provider_id, c]));
            for (const id of alternatives) {
              expect(status.get(id)?.status).toBe("ranked_lower");
              if (metadata.validated) expect(status.get(id)?.violations).toEqual([]);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("never lets late feedback change the model", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.boolean(),
        fc.option(fc.integer({ min: -20, max: 10 }), { nil: undefined }),
        async (seed, success, defaultReward) => {
          const clock = new ManualClock(0);
          const engine = new RoutingEngine({
            seed,
            clock,
            rewardWaitMs: 1_000,
            ...(defaultReward !== undefined ? { defaultReward } : {}),
          });
          const providers = [
            { provider_id: "a", price_usd_per_hour: 1, latency_ms: 50, reputation: 90 },
            { provider_id: "b", price_usd_per_hour: 2, latency_ms: 40, reputation: 95 },
          ];
          const { metadata } = engine.decide({ context, providers });
          clock.advance(1_000);
          engine.getStatus(); // settles
          const before = JSON.stringify(engine.policy.toJSON());
          await expect(
            engine.feedback({ decision_id: metadata.decision_id, success, actual_cost_usd: 1, actual_latency_ms: 10 }),
          ).rejects.toBeInstanceOf(LateFeedbackError);
          expect(JSON.stringify(engine.policy.toJSON())).toBe(before);
          expect(engine.getStatus().executor.late_feedback).toBe(1);
        },
      ),
      { numRuns: 50 },
    );
  });
});
