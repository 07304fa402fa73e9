import type { Provider } from "@aurora/domain";
import { createRng } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { context, provider, request } from "../test/learning-market.js";
import type { ChooseRequest, Policy } from "./policy.js";
import type { PolicyConfig } from "./policy-registry.js";
import { createPolicy } from "./policy-registry.js";

/** A small market: six providers, two regions; failure chances the policies learn from. */
const POOL: Provider[] = [
  provider("akash", 1.2, 100, 90),
  provider("ionet", 1, 90, 80),
  provider("vast", 1.1, 80, 85),
  provider("lambda", 2, 40, 95),
  provider("runpod", 0.8, 150, 70),
  provider("tensor", 1.5, 60, 88),
];
const FAILURE: Record<string, number> = { akash: 0.05, ionet: 0.3, vast: 0.1, lambda: 0.02, runpod: 0.4, tensor: 0.08 };
const REGIONS = ["us-west", "eu-central"];

const ARMS_THREE: PolicyConfig = {
  kind: "ab",
  arms: [
    { name: "q", share: 0.3, policy: { kind: "q-learning", epsilon: 0.3, epsilonDecay: 0.99 } },
    { name: "rule", share: 0.4, policy: { kind: "rule" } },
    { name: "soft", share: 0.3, policy: { kind: "softmax", temperature: 0.5 } },
  ],
};

/** Every policy with a closed-form `probabilities`, alone and composed. */
const CONFIGS: Record<string, PolicyConfig> = {
  "q-learning": { kind: "q-learning", epsilon: 0.3, epsilonDecay: 0.99 },
  "linear-value": { kind: "linear-value", epsilon: 0.2, epsilonDecay: 0.99 },
  softmax: { kind: "softmax", temperature: 0.5 },
  ucb1: { kind: "ucb1" },
  "ucb1 with a floor": { kind: "ucb1", explorationFloor: 0.2 },
  "lin-ucb": { kind: "lin-ucb" },
  "lin-ucb with a floor": { kind: "lin-ucb", explorationFloor: 0.15, crosses: ["region"] },
  rule: { kind: "rule" },
  shadow: { kind: "shadow", primary: { kind: "softmax", temperature: 0.4 }, shadow: { kind: "q-learning" } },
  guardrail: {
    kind: "guardrail",
    policy: { kind: "softmax", temperature: 0.6 },
    baseline: { kind: "q-learning", epsilon: 0.3, epsilonDecay: 0.995 },
    minSamples: 5,
    explore: 0.3,
  },
  "ab per decision": ARMS_THREE,
  "ab per state": {
    kind: "ab",
    assignment: "state",
    arms: [
      { name: "ucb", share: 0.5, policy: { kind: "ucb1", explorationFloor: 0.1 } },
      { name: "q", share: 0.5, policy: { kind: "q-learning", epsilon: 0.4 } },
    ],
  },
  "ab of ab": {
    kind: "ab",
    arms: [
      {
        name: "inner",
        share: 0.6,
        policy: {
          kind: "ab",
          arms: [
            { name: "rule", share: 0.5, policy: { kind: "rule", weights: { price: 0, latency: 1 } } },
            { name: "lv", share: 0.5, policy: { kind: "linear-value", epsilon: 0.3 } },
          ],
        },
      },
      { name: "linucb", share: 0.4, policy: { kind: "lin-ucb", explorationFloor: 0.2 } },
    ],
  },
};

function requestOf(ids: number[], region: string, psiDensity: number | undefined): ChooseRequest {
  const candidates = ids.map((i) => POOL[i] as Provider);
  return request(candidates, context(region, 1 + (ids[0] ?? 0) / 2), psiDensity === undefined ? {} : { psiDensity });
}

/** Feeds the policy one outcome for its pick, drawn from the market. */
function step(policy: Policy, req: ChooseRequest, noise: () => number): void {
  const choice = policy.choose(req);
  const chosen = req.candidates[choice.index] as Provider;
  const success = noise() >= (FAILURE[chosen.provider_id] ?? 0.05);
  const cost = chosen.price_usd_per_hour * req.context.gpu_hours;
  policy.update({
    stateKey: req.stateKey,
    context: req.context,
    provider: chosen,
    reward: success ? -cost - chosen.latency_ms / 500 + chosen.reputation / 100 + 10 : -20,
    outcome: { success, actual_cost_usd: success ? cost : 0, actual_latency_ms: chosen.latency_ms },
    ...(choice.tag !== undefined ? { tag: choice.tag } : {}),
  });
}

/**
 * A policy trained on `steps` random decisions, after twenty over the whole pool in each region
 * (so that every arm of a split has met every provider there).
 */
function trained(config: PolicyConfig, seed: number, steps: number): Policy {
  const policy = createPolicy(config, { rng: createRng(seed) });
  const noise = createRng(seed + 1);
  for (let s = 0; s < 20; s++) {
    for (const region of REGIONS) step(policy, requestOf([0, 1, 2, 3, 4, 5], region, undefined), noise);
  }
  for (let s = 0; s < steps; s++) {
    const ids = POOL.map((_, i) => i).filter(() => noise() < 0.6);
    if (ids.length === 0) ids.push(Math.floor(noise() * POOL.length));
    step(policy, requestOf(ids, REGIONS[s % REGIONS.length] as string, undefined), noise);
  }
  return policy;
}

/** Two copies of a policy from its snapshot, each with the same fresh random stream. */
function twins(config: PolicyConfig, policy: Policy, seed: number): [Policy, Policy] {
  const snapshot = JSON.parse(JSON.stringify(policy.toJSON()));
  return [createPolicy(config, { snapshot, rng: createRng(seed) }), createPolicy(config, { snapshot, rng: createRng(seed) })];
}

const query = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  steps: fc.integer({ min: 0, max: 150 }),
  ids: fc.uniqueArray(fc.integer({ min: 0, max: POOL.length - 1 }), { minLength: 1, maxLength: POOL.length }),
  region: fc.constantFrom(...REGIONS),
  psiDensity: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
});

describe("Policy.probabilities", () => {
  for (const [label, config] of Object.entries(CONFIGS)) {
    it(`${label}: gives choose's reported probability for its pick, sums to 1, and changes nothing`, () => {
      fc.assert(
        fc.property(query, ({ seed, steps, ids, region, psiDensity }) => {
          const [copy, twin] = twins(config, trained(config, seed, steps), seed + 7);
          const req = requestOf(ids, region, psiDensity);
          const before = JSON.stringify(copy.toJSON());
          const probabilities = copy.probabilities?.(req);
          expect(probabilities).toBeDefined();
          expect(JSON.stringify(copy.toJSON())).toBe(before);
          const choice = copy.choose(req);
          // Nothing drawn or changed: the copy chooses as its twin, which was never asked.
          expect(choice).toEqual(twin.choose(req));
          expect(probabilities![choice.index]).toBe(choice.probability);
          expect(choice.probabilityExact).toBeUndefined();
          expect(probabilities).toHaveLength(ids.length);
          for (const p of probabilities!) expect(p >= 0 && p <= 1).toBe(true);
          expect(probabilities!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        }),
        { numRuns: 40 },
      );
    });
  }

  /** Picks over `n` decisions for a fixed trained policy: each count within 4.5 binomial σ (+1) of n·π. */
  function expectFrequencies(policy: Policy, req: ChooseRequest, n: number): number[] {
    const probabilities = policy.probabilities?.(req) as number[];
    const counts = new Array<number>(req.candidates.length).fill(0);
    for (let i = 0; i < n; i++) {
      const choice = policy.choose(req);
      counts[choice.index] = (counts[choice.index] as number) + 1;
      expect(choice.probability).toBe(probabilities[choice.index]);
    }
    probabilities.forEach((p, i) => {
      expect(Math.abs((counts[i] as number) - n * p)).toBeLessThanOrEqual(4.5 * Math.sqrt(n * p * (1 - p)) + 1);
    });
    return probabilities;
  }

  for (const label of [
    "q-learning",
    "linear-value",
    "softmax",
    "ucb1 with a floor",
    "lin-ucb with a floor",
    "ab per decision",
    "ab of ab",
    "shadow",
    // Not the guardrail: each decision earns it risk budget, so its chances move from one choice to
    // the next (its own test checks them before each choice).
  ]) {
    it(`${label}: matches the empirical choice frequencies`, () => {
      const config = CONFIGS[label] as PolicyConfig;
      for (const [seed, ids, psiDensity] of [
        [3, [0, 1, 2, 3, 4, 5], undefined],
        [11, [1, 4, 2], 0.5],
      ] as const) {
        const probabilities = expectFrequencies(trained(config, seed, 200), requestOf([...ids], "us-west", psiDensity), 6000);
        // Randomised: more than one candidate can be picked.
        expect(probabilities.filter((p) => p > 0).length).toBeGreaterThan(1);
      }
    });
  }

  it("lin-ucb judges a candidate it has no features for yet as choose will, and creates none by asking", () => {
    const config: PolicyConfig = { kind: "lin-ucb", explorationFloor: 0.15, crosses: ["region"] };
    const policy = trained(config, 5, 50);
    const newcomer = provider("newcomer", 0.9, 70, 90);
    const cases = [
      // A provider never seen: its identity and crosses do not exist yet.
      request([POOL[0] as Provider, newcomer]),
      // A region not seen with the provider: its provider × region feature does not exist yet.
      request([POOL[0] as Provider, POOL[1] as Provider], context("ap-south")),
      // Both, and a newcomer that is the best bet: cheap, fast, reputable.
      request([newcomer, POOL[3] as Provider, provider("bargain", 0.1, 10, 100)], context("sa-east")),
    ];
    for (const req of cases) {
      const [copy, twin] = twins(config, policy, 9);
      const before = JSON.stringify(copy.toJSON());
      const probabilities = copy.probabilities?.(req);
      expect(JSON.stringify(copy.toJSON())).toBe(before);
      const choice = twin.choose(req);
      expect(probabilities?.[choice.index]).toBe(choice.probability);
      // The floor spreads 0.15 evenly; the rest goes to the highest index, the one choose took.
      expect(choice.probability).toBeCloseTo(0.85 + 0.15 / req.candidates.length, 12);
      expect(JSON.stringify(copy.toJSON())).not.toBe(JSON.stringify(twin.toJSON()));
      if (req === cases[2]) expect(choice.providerId).toBe("bargain");
    }
  });

  it("lin-ucb: new providers and regions, and a model out of room for features, as choose will", () => {
    const newcomers = [provider("fresh-a", 0.9, 70, 60), provider("fresh-b", 0.5, 200, 99), provider("fresh-c", 0.7, 20, 95)];
    const wider = [...POOL, ...newcomers];
    fc.assert(
      fc.property(
        query,
        fc.uniqueArray(fc.integer({ min: 0, max: wider.length - 1 }), { minLength: 1, maxLength: wider.length }),
        fc.constantFrom("us-west", "eu-central", "ap-south"),
        fc.constantFrom(8, 12, 20, 256),
        ({ seed, steps }, ids, region, maxFeatures) => {
          const config: PolicyConfig = { kind: "lin-ucb", crosses: ["region", "workload_type"], maxFeatures };
          const [copy, twin] = twins(config, trained(config, seed, steps), seed + 7);
          const req = request(
            ids.map((i) => wider[i] as Provider),
            context(region, 1 + (ids[0] ?? 0) / 3),
          );
          const before = JSON.stringify(copy.toJSON());
          const probabilities = copy.probabilities?.(req) as number[];
          expect(JSON.stringify(copy.toJSON())).toBe(before);
          const choice = twin.choose(req);
          expect(probabilities[choice.index]).toBe(1);
          expect(probabilities.reduce((a, b) => a + b, 0)).toBe(1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("thompson and lin-thompson do not offer it; a shadow, sticky split or guardrail over them gives none", () => {
    for (const config of [{ kind: "thompson" }, { kind: "lin-thompson" }] as PolicyConfig[]) {
      expect(createPolicy(config).probabilities).toBeUndefined();
    }
    const guarded = createPolicy({ kind: "guardrail", policy: { kind: "thompson" } });
    expect(guarded.probabilities?.(request(POOL))).toBeUndefined();
    const shadow = createPolicy({ kind: "shadow", primary: { kind: "thompson" }, shadow: { kind: "rule" } });
    expect(shadow.probabilities?.(request(POOL))).toBeUndefined();
    const sticky = createPolicy({
      kind: "ab",
      assignment: "state",
      arms: [
        { name: "a", share: 0.5, policy: { kind: "thompson" } },
        { name: "b", share: 0.5, policy: { kind: "thompson" } },
      ],
    });
    expect(sticky.probabilities?.(request(POOL))).toBeUndefined();
  });
});
