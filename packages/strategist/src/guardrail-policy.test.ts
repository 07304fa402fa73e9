import type { Context, Provider, Rng } from "@aurora/domain";
import { createRng, ValidationError } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AbSplitOptions, AbSplitSnapshot } from "./ab-split-policy.js";
import type { GuardrailOptions } from "./guardrail-options.js";
import { guardedPolicyConfig } from "./guardrail-options.js";
import { GuardrailPolicy } from "./guardrail-policy.js";
import type { Choice, ChooseRequest, Policy } from "./policy.js";
import type { PolicyConfig } from "./policy-registry.js";
import { createPolicy } from "./policy-registry.js";
import { replayDecision } from "./replay-decision.js";
import { RulePolicy } from "./rule-policy.js";
import { Strategist } from "./strategist.js";

const context: Context = { workload_type: "llm", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const STATE = "llm:a100:us-west";
// The rule router's favourite is "cheap"; a latency-only rule picks "fast".
const candidates: Provider[] = [
  { provider_id: "cheap", price_usd_per_hour: 0.5, latency_ms: 200, reputation: 70, gpu_types: ["a100"], regions: ["us-west"] },
  { provider_id: "fast", price_usd_per_hour: 3, latency_ms: 20, reputation: 90, gpu_types: ["a100"], regions: ["us-west"] },
];
const request: ChooseRequest = { stateKey: STATE, context, candidates };
/** A challenger that always picks "fast", so tests control which pick is better by the rewards alone. */
const FAST_RULE = { kind: "rule", weights: { price: 0, latency: 1, reputation: 0, availability: 0 } } as const;

interface Market {
  /** Mean reward per provider id; each reward gets uniform noise of ±1. */
  means: Record<string, number>;
  noise: Rng;
}

function step(policy: Policy, market: Market): Choice {
  const choice = policy.choose(request);
  const reward = market.means[choice.providerId]! + 2 * (market.noise() - 0.5);
  policy.update({
    stateKey: STATE,
    context,
    provider: candidates[choice.index]!,
    reward,
    ...(choice.tag ? { tag: choice.tag } : {}),
  });
  return choice;
}

function guardrail(options: Partial<GuardrailOptions> = {}, rng: Rng = createRng(11)): GuardrailPolicy {
  return createPolicy({ kind: "guardrail", policy: FAST_RULE, ...options }, { rng }) as GuardrailPolicy;
}

describe("GuardrailPolicy", () => {
  it("plays the baseline's pick until there is evidence, with mode baseline", () => {
    const policy = guardrail();
    const market: Market = { means: { cheap: 5, fast: 9 }, noise: createRng(1) };
    const first = Array.from({ length: 40 }, () => step(policy, market));
    const baseline = first.filter((c) => c.mode === "baseline");
    expect(baseline.length).toBeGreaterThanOrEqual(30);
    expect(baseline.every((c) => c.providerId === "cheap" && c.tag === "baseline")).toBe(true);
    expect(policy.stats().guardrail).toMatchObject({ trusted_decisions: 0, trusted_share: 0, decisions: 40 });
  });

  it("reports the propensity of each path: explore for a try, 1 − explore for the baseline", () => {
    const policy = guardrail({ explore: 0.25 });
    const choices = Array.from({ length: 20 }, () => policy.choose(request));
    for (const choice of choices) expect(choice.probability).toBe(choice.mode === "baseline" ? 0.75 : 0.25);
  });

  it("then trusts a clearly better policy and plays its picks", () => {
    const policy = guardrail();
    const market: Market = { means: { cheap: 5, fast: 9 }, noise: createRng(2) };
    for (let i = 0; i < 1500; i++) step(policy, market);
    expect(policy.trusts(STATE)).toBe(true);
    const last = Array.from({ length: 500 }, () => step(policy, market));
    const fast = last.filter((c) => c.providerId === "fast").length;
    expect(fast).toBeGreaterThan(0.95 * 500);
    expect(last.filter((c) => c.tag === "baseline").length).toBeGreaterThan(0);
    const stats = policy.stats().guardrail!;
    expect(stats.trusted_share).toBeGreaterThan(0.5);
    expect(stats.evidence.trusted).toBe(true);
    expect(stats.trusted_states).toBe(1);
  });

  it("does not trust a worse policy, and tries it less than the budget allows", () => {
    const policy = guardrail();
    const market: Market = { means: { cheap: 9, fast: 5 }, noise: createRng(3) };
    const choices = Array.from({ length: 2000 }, () => step(policy, market));
    expect(choices.filter((c) => c.providerId === "fast").length).toBeLessThan(0.05 * 2000);
    expect(policy.trusts(STATE)).toBe(false);
    expect(policy.stats().guardrail!.trusted_share).toBe(0);
  });

  it("falls back to the baseline when a trusted policy degrades", () => {
    const policy = guardrail({ evidenceDecay: 0.99 });
    const market: Market = { means: { cheap: 5, fast: 9 }, noise: createRng(4) };
    for (let i = 0; i < 1500; i++) step(policy, market);
    expect(policy.trusts(STATE)).toBe(true);
    market.means.fast = -5;
    for (let i = 0; i < 300; i++) step(policy, market);
    expect(policy.trusts(STATE)).toBe(false);
    const last = Array.from({ length: 100 }, () => step(policy, market));
    expect(last.filter((c) => c.providerId === "cheap").length).toBeGreaterThan(80);
  });

  it("lets both policies learn from every outcome", () => {
    const policy = createPolicy(
      { kind: "guardrail", policy: { kind: "q-learning", gamma: 0, epsilon: 0 } },
      { rng: createRng(5) },
    ) as GuardrailPolicy;
    const market: Market = { means: { cheap: 5, fast: 9 }, noise: createRng(5) };
    for (let i = 0; i < 30; i++) step(policy, market);
    const stats = policy.stats().guardrail!;
    expect(stats.policy.total_rewards).toBe(30);
    expect(stats.baseline_policy.total_rewards).toBe(30);
    expect(stats.baseline).toBe("rule");
  });

  it("uses the policy's estimates where trusted and the baseline's elsewhere", () => {
    const policy = guardrail();
    expect(policy.estimate(request)).toEqual(new RulePolicy().estimate(request));
    const market: Market = { means: { cheap: 5, fast: 9 }, noise: createRng(2) };
    for (let i = 0; i < 1500; i++) step(policy, market);
    expect(policy.estimate(request)).toEqual(new RulePolicy({ weights: FAST_RULE.weights }).estimate(request));
  });

  it("reports the pick's estimate from the side its estimates come from, whichever pick is played", () => {
    // A learning policy (Q-values) against the rule baseline (scores): distrusted, then trusted.
    const policy = createPolicy(
      { kind: "guardrail", policy: { kind: "q-learning", gamma: 0, epsilon: 0, initialQ: 20 }, explore: 0.3 },
      { rng: createRng(6) },
    ) as GuardrailPolicy;
    const market: Market = { means: { cheap: 5, fast: 9 }, noise: createRng(6) };
    const seen = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const choice = policy.choose(request);
      const trusted = policy.trusts(STATE);
      seen.add(`${trusted}:${choice.tag}`);
      expect(choice.estimate).toBe(policy.estimate(request)[choice.index]);
      policy.update({
        stateKey: STATE,
        context,
        provider: candidates[choice.index]!,
        reward: market.means[choice.providerId]! + 2 * (market.noise() - 0.5),
        ...(choice.tag ? { tag: choice.tag } : {}),
      });
    }
    // Every path was exercised, distrusted and trusted.
    for (const path of ["false:policy", "false:baseline", "true:baseline"])
      expect([...seen].some((k) => k.startsWith(path))).toBe(true);
  });

  it("logs each pick's true chance when both sides are random: 1/probability weighs every candidate 1 on average", () => {
    // Neither side learns here (choose only): the policy picks uniformly at random (ε = 1), the
    // baseline is ε-greedy; both can pick any candidate, so a pick may come from either path.
    const trio: Provider[] = [...candidates, { ...candidates[0]!, provider_id: "third", price_usd_per_hour: 1 }];
    const r: ChooseRequest = { stateKey: STATE, context, candidates: trio };
    const policy = createPolicy(
      {
        kind: "guardrail",
        policy: { kind: "q-learning", epsilon: 1, epsilonDecay: 1 },
        baseline: { kind: "q-learning", epsilon: 0.4, epsilonDecay: 1, initialQ: 0 },
        explore: 0.3,
      },
      { rng: createRng(9) },
    );
    const rounds = 30_000;
    const weighed = [0, 0, 0];
    const squares = [0, 0, 0];
    for (let d = 0; d < rounds; d++) {
      const choice = policy.choose(r);
      expect(choice.probabilityExact).toBeUndefined();
      weighed[choice.index]! += 1 / choice.probability;
      squares[choice.index]! += 1 / choice.probability ** 2;
    }
    for (let i = 0; i < 3; i++) {
      const mean = weighed[i]! / rounds;
      const sd = Math.sqrt(squares[i]! / rounds - mean * mean);
      expect(Math.abs(mean - 1)).toBeLessThan(5 * (sd / Math.sqrt(rounds)));
    }
  });

  describe("probabilities", () => {
    const trio: Provider[] = [...candidates, { ...candidates[0]!, provider_id: "third", price_usd_per_hour: 1 }];
    const r: ChooseRequest = { stateKey: STATE, context, candidates: trio };
    const learning = () =>
      createPolicy(
        {
          kind: "guardrail",
          policy: { kind: "softmax", temperature: 2 },
          baseline: { kind: "q-learning", epsilon: 0.3, epsilonDecay: 1, initialQ: 0 },
          minSamples: 5,
          explore: 0.2,
        },
        { rng: createRng(5) },
      );

    it("states, before each choice, the chance choose then gives its pick, as the budget and the evidence change", () => {
      const policy = learning();
      const means: Record<string, number> = { cheap: 4, fast: 9, third: 6 };
      const noise = createRng(2);
      let played = 0;
      for (let d = 0; d < 400; d++) {
        const stated = policy.probabilities!(r) as number[];
        expect(stated.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        const choice = policy.choose(r);
        if (choice.tag?.startsWith("policy")) played++;
        expect(choice.probability).toBeCloseTo(stated[choice.index]!, 12);
        const reward = means[choice.providerId]! + 2 * (noise() - 0.5);
        policy.update({
          stateKey: STATE,
          context,
          provider: trio[choice.index]!,
          reward,
          ...(choice.tag ? { tag: choice.tag } : {}),
        });
      }
      expect(played).toBeGreaterThan(0);
    });

    it("counts nothing and draws nothing: off-policy evaluation does not loosen the guardrail it reads", () => {
      const policy = learning();
      for (let d = 0; d < 30; d++) policy.choose(r);
      const before = JSON.stringify(policy.toJSON());
      for (let d = 0; d < 100; d++) policy.probabilities!(r);
      expect(JSON.stringify(policy.toJSON())).toBe(before);
    });

    it("cannot state them when a side cannot", () => {
      const policy = createPolicy(
        { kind: "guardrail", policy: { kind: "thompson" }, baseline: { kind: "rule" } },
        { rng: createRng(5) },
      );
      expect(policy.probabilities!(r)).toBeUndefined();
    });
  });

  it("flags a lower bound where the side not played cannot state its chance of the pick", () => {
    const policy = createPolicy(
      { kind: "guardrail", policy: { kind: "thompson" }, baseline: { kind: "q-learning", epsilon: 0.4, epsilonDecay: 1 } },
      { rng: createRng(3) },
    );
    const flagged = Array.from({ length: 200 }, () => policy.choose(request)).filter((c) => c.probabilityExact === false);
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every((c) => c.tag?.startsWith("baseline"))).toBe(true);
  });

  it("scales an inner importance weight by its path's share, and drops it where picks agree", () => {
    const policy = createPolicy({ kind: "guardrail", policy: { kind: "thompson" }, explore: 0.25 }, { rng: createRng(7) });
    const paths = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const choice = policy.choose(request);
      const path = choice.tag!.split(/[/:]/)[0]!;
      paths.add(path);
      if (path === "agree") expect(choice).not.toHaveProperty("inverseProbability");
      else if (path === "policy") {
        // q·p played: an estimate of 1/p (a whole number of draws) over q = 0.25.
        expect(Number.isInteger((choice.inverseProbability as number) * 0.25)).toBe(true);
      } else expect(choice).not.toHaveProperty("inverseProbability"); // the rule baseline's probability is exact
    }
    expect(paths).toEqual(new Set(["agree", "policy", "baseline"]));
  });

  it("round-trips through a snapshot and goes on deciding the same way", () => {
    let source = createRng(6);
    const policy = guardrail({}, () => source());
    const market: Market = { means: { cheap: 5, fast: 9 }, noise: createRng(6) };
    for (let i = 0; i < 800; i++) step(policy, market);
    const snapshot = JSON.parse(JSON.stringify(policy.toJSON()));
    const resumed = createPolicy({ kind: "guardrail" } as never, { snapshot, rng: createRng(9) });
    expect(resumed).toBeInstanceOf(GuardrailPolicy);
    expect(resumed.toJSON()).toEqual(policy.toJSON());
    expect(resumed.stats()).toEqual(policy.stats());
    source = createRng(9);
    const noise = { ...market, noise: createRng(10) };
    const twin = { ...market, noise: createRng(10) };
    expect(Array.from({ length: 200 }, () => step(resumed, noise).tag)).toEqual(
      Array.from({ length: 200 }, () => step(policy, twin).tag),
    );
  });

  it("guards an existing model: a plain Q-learning snapshot becomes the guarded policy's, with fresh evidence", () => {
    const trained = new Strategist({ gamma: 0, alpha: 0.5 });
    trained.update({ stateKey: STATE, context, provider: candidates[1]!, reward: 8 });
    const policy = createPolicy(
      { kind: "guardrail", policy: { kind: "q-learning" } },
      { snapshot: trained.toJSON() },
    ) as GuardrailPolicy;
    expect(policy.toJSON().inner.policy).toEqual(trained.toJSON());
    expect(policy.stats().guardrail).toMatchObject({ decisions: 0, states: 0 });
  });

  it("wraps ready policies", () => {
    const policy = new GuardrailPolicy({ policy: new Strategist(), baseline: new RulePolicy(), rng: createRng(1), check: 0 });
    expect(policy.toJSON().params).toMatchObject({ policy: { kind: "q-learning" }, baseline: { kind: "rule" }, check: 0 });
  });

  it("always chooses one of the candidates, with a probability in (0, 1]", () => {
    const providerArb = fc.record({
      price_usd_per_hour: fc.double({ min: 0, max: 10, noNaN: true }),
      latency_ms: fc.double({ min: 0, max: 500, noNaN: true }),
      reputation: fc.double({ min: 0, max: 100, noNaN: true }),
      capacity_available: fc.option(fc.double({ min: 0, max: 200, noNaN: true }), { nil: undefined }),
    });
    const policy = createPolicy(
      { kind: "guardrail", policy: { kind: "q-learning", epsilon: 0.3, gamma: 0 }, minSamples: 2, explore: 0.3 },
      { rng: createRng(8) },
    );
    fc.assert(
      fc.property(
        fc.array(providerArb, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("a:b:c", "x:y:z", "__proto__"),
        fc.double({ min: -20, max: 12, noNaN: true }),
        (providers, stateKey, reward) => {
          const list: Provider[] = providers.map((p, i) => ({ ...p, provider_id: `p${i}`, gpu_types: [], regions: [] }));
          const choice = policy.choose({ stateKey, context, candidates: list });
          expect(Number.isInteger(choice.index)).toBe(true);
          expect(list[choice.index]?.provider_id).toBe(choice.providerId);
          expect(choice.probability).toBeGreaterThan(0);
          expect(choice.probability).toBeLessThanOrEqual(1);
          policy.update({ stateKey, context, provider: list[choice.index]!, reward, tag: choice.tag! });
        },
      ),
      { seed: 42, numRuns: 1000 },
    );
  });

  describe("replay", () => {
    it("counts a decision with the label recorded, without drawing which pick to play, as live traffic did", () => {
      const live = guardrail({}, createRng(6));
      const market: Market = { means: { cheap: 5, fast: 9 }, noise: createRng(6) };
      let snapshot: unknown;
      const after: { choice: Choice; reward: number }[] = [];
      for (let i = 0; i < 800; i++) {
        if (i === 400) snapshot = JSON.parse(JSON.stringify(live.toJSON()));
        const choice = live.choose(request);
        const reward = market.means[choice.providerId]! + 2 * (market.noise() - 0.5);
        live.update({ stateKey: STATE, context, provider: candidates[choice.index]!, reward, tag: choice.tag! });
        if (i >= 400) after.push({ choice, reward });
      }
      // Another stream than live traffic's: a restarted engine's, or another replica's.
      const restarted = createPolicy({ kind: "guardrail" } as never, { snapshot, rng: createRng(99) });
      for (const { choice, reward } of after) {
        replayDecision(restarted, request, { providerId: choice.providerId, tag: choice.tag! });
        restarted.update({ stateKey: STATE, context, provider: candidates[choice.index]!, reward, tag: choice.tag! });
      }
      expect(restarted.toJSON()).toEqual(live.toJSON());
      const { decisions, agreements, policy_plays, baseline_plays } = live.stats().guardrail!;
      expect(agreements + policy_plays + baseline_plays).toBe(decisions);
      expect(policy_plays).toBeGreaterThan(0);
      expect(baseline_plays).toBeGreaterThan(0);
    });

    it("replays each side with its own part of the tag", () => {
      const rules: AbSplitOptions = {
        arms: [
          { name: "a", share: 0.5, policy: FAST_RULE },
          { name: "b", share: 0.5, policy: FAST_RULE },
        ],
      };
      const policy = guardrail({ policy: { kind: "ab", ...rules } });
      replayDecision(policy, request, { providerId: "fast", tag: 'policy["b",null]' });
      replayDecision(policy, request, { providerId: "cheap", tag: 'baseline["a",null]' });
      const arms = (policy.toJSON().inner.policy as AbSplitSnapshot).arms.map((arm) => arm.decisions);
      expect(arms).toEqual([1, 1]);
      expect(policy.stats().guardrail).toMatchObject({ decisions: 2, agreements: 0, policy_plays: 1, baseline_plays: 1 });
    });

    it("hands the side whose pick was played the ε recorded", () => {
      const policy = guardrail({ policy: { kind: "thompson" }, baseline: { kind: "softmax" } });
      const epsilons = () => [policy.stats().guardrail!.policy.epsilon, policy.stats().guardrail!.baseline_policy.epsilon];
      replayDecision(policy, request, { providerId: "fast", tag: "policy", epsilon: 0.3 });
      expect(epsilons()[0]).toBe(0.3);
      expect(epsilons()[1]).not.toBe(0.3);
      replayDecision(policy, request, { providerId: "cheap", tag: "baseline", epsilon: 0.4 });
      expect(epsilons()[1]).toBe(0.4);
      expect(epsilons()[0]).not.toBe(0.4);
    });

    describe("switched on over an A/B split", () => {
      const split: PolicyConfig = {
        kind: "ab",
        arms: [
          { name: "learned", share: 0.5, policy: { kind: "q-learning", gamma: 0 } },
          { name: "rule", share: 0.5, policy: { kind: "rule" } },
        ],
      };

      it("hands the split's decisions made before it, and their rewards, to the arms that made them", () => {
        const before = createPolicy(split, { rng: createRng(4) });
        const snapshot = JSON.parse(JSON.stringify(before.toJSON()));
        const made = Array.from({ length: 10 }, () => before.choose(request));
        const policy = createPolicy({ kind: "guardrail" } as never, { snapshot, rng: createRng(5) }) as GuardrailPolicy;
        // The decisions after the snapshot are replayed (a restart), then all ten get their feedback.
        for (const choice of made) replayDecision(policy, request, { providerId: choice.providerId, tag: choice.tag! });
        for (const choice of made) {
          policy.update({ stateKey: STATE, context, provider: candidates[choice.index]!, reward: 6, tag: choice.tag! });
        }
        const inner = policy.stats().guardrail!.policy.ab!;
        const byArm = (name: string) => made.filter((choice) => choice.tag === name).length;
        expect(inner.arms.map((arm) => [arm.decisions, arm.rewards.count])).toEqual([
          [byArm("learned"), byArm("learned")],
          [byArm("rule"), byArm("rule")],
        ]);
        expect(inner.unattributed_rewards).toBe(0);
        // Not the guardrail's decisions: learned by both sides, but no evidence and no counts of its own.
        expect(policy.stats().guardrail).toMatchObject({
          decisions: 0,
          unattributed_rewards: 10,
          evidence: { policy: { count: 0 }, baseline: { count: 0 } },
          baseline_policy: { decision_count: 0, total_rewards: 10 },
        });
      });
    });
  });

  describe("invalid", () => {
    it("names a bad setting or inner option", () => {
      const field = (action: () => unknown) => {
        try {
          action();
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return (error as ValidationError).field;
        }
        return "none";
      };
      expect(field(() => guardrail({ explore: 2 }))).toBe("explore");
      expect(field(() => guardrail({ scope: "tenant" as never }))).toBe("scope");
      expect(field(() => guardrail({ minSamples: 1 }))).toBe("minSamples");
      expect(field(() => guardrail({ baseline: { kind: "rule", weights: { price: -1 } } }))).toBe("baseline.weights.price");
      expect(field(() => createPolicy({ kind: "guardrail", policy: { kind: "q-learning", alpha: 5 } }))).toBe("policy.alpha");
      expect(field(() => guardrail({ evidenceDecy: 0.9 } as never))).toBe("evidenceDecy");
    });
  });
});

describe("guardedPolicyConfig", () => {
  it("builds the registry config the engine's guardrail option makes, which createPolicy takes", () => {
    const policy = { kind: "lin-ucb" } as PolicyConfig;
    const baseline = { kind: "rule" } as PolicyConfig;
    expect(guardedPolicyConfig(policy, { baseline, minSamples: 5 })).toEqual({
      kind: "guardrail",
      minSamples: 5,
      policy,
      baseline,
    });
    // No policy: the guardrail's snapshot names the one it guards. No baseline: the default.
    expect(guardedPolicyConfig(undefined, { z: 2 })).toEqual({ kind: "guardrail", z: 2 });
    expect(createPolicy(guardedPolicyConfig(policy, { minSamples: 5 })).name).toBe("guardrail");
    expect(() => createPolicy(guardedPolicyConfig(policy, { minSamples: -1 }))).toThrow(/^minSamples: /);
  });

  it("refuses a kind among the settings, which would replace the guardrail with another policy", () => {
    for (const policy of [{ kind: "ucb1" } as PolicyConfig, undefined]) {
      const refused = (() => {
        try {
          guardedPolicyConfig(policy, { kind: "rule" } as never);
        } catch (error) {
          return error;
        }
      })();
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as ValidationError).field).toBe("kind");
      expect((refused as ValidationError).message).toMatch(/is not a guardrail setting/);
    }
  });
});
