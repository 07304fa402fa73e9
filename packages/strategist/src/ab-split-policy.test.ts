import type { Context, Provider } from "@aurora/domain";
import { createRng, ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import type { AbSplitOptions } from "./ab-split-policy.js";
import { AbSplitPolicy, stickyPoint } from "./ab-split-policy.js";
import type { ChooseRequest } from "./policy.js";
import { createPolicy } from "./policy-registry.js";
import { replayDecision } from "./replay-decision.js";
import { RulePolicy } from "./rule-policy.js";
import { Strategist } from "./strategist.js";

const context: Context = { workload_type: "llm", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const STATE = "llm:a100:us-west";
const candidates: Provider[] = [
  { provider_id: "cheap", price_usd_per_hour: 1, latency_ms: 100, reputation: 80, gpu_types: ["a100"], regions: ["us-west"] },
  { provider_id: "fast", price_usd_per_hour: 3, latency_ms: 20, reputation: 95, gpu_types: ["a100"], regions: ["us-west"] },
  { provider_id: "slow", price_usd_per_hour: 2, latency_ms: 400, reputation: 60, gpu_types: ["a100"], regions: ["us-west"] },
];
const request: ChooseRequest = { stateKey: STATE, context, candidates };

const split: AbSplitOptions = {
  arms: [
    { name: "learned", share: 0.2, policy: { kind: "q-learning", epsilon: 0.3, gamma: 0 } },
    { name: "rule", share: 0.8, policy: { kind: "rule" } },
  ],
};

function ab(options: AbSplitOptions = split, seed = 42): AbSplitPolicy {
  return createPolicy({ kind: "ab", ...options }, { rng: createRng(seed) }) as AbSplitPolicy;
}

function fieldOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

describe("AbSplitPolicy", () => {
  it("draws an arm per decision with the injected rng, and tags the choice with its name", () => {
    const policy = ab({
      arms: [
        { name: "a", share: 0.2, policy: { kind: "rule" } },
        { name: "b", share: 0.8, policy: { kind: "rule", weights: { price: 0 } } },
      ],
    });
    const draws = createRng(42);
    const expected = Array.from({ length: 12 }, () => (draws() < 0.2 ? "a" : "b"));
    expect(Array.from({ length: 12 }, () => policy.choose(request).tag)).toEqual(expected);
    expect(expected).toEqual(["b", "b", "b", "b", "a", "b", "b", "b", "b", "b", "b", "b"]);
  });

  it("converges to the configured split", () => {
    const policy = ab(split, 7);
    for (let i = 0; i < 20_000; i++) policy.choose(request);
    const [learned, rule] = policy.stats().ab!.arms;
    expect(learned!.decision_share).toBeGreaterThan(0.19);
    expect(learned!.decision_share).toBeLessThan(0.21);
    expect(learned!.decisions + rule!.decisions).toBe(20_000);
  });

  it("reports the split's chance of picking the provider, Σ share × each arm's probability for it", () => {
    const policy = ab();
    // Untrained q-learning (ε = 0.3) is greedy on the first candidate, "cheap", which the rule picks too.
    const probabilities = [0.8 + 0.2 * (0.1 + 0.7), 0.2 * 0.1, 0.2 * 0.1];
    expect(policy.probabilities(request)).toEqual(probabilities.map((p) => expect.closeTo(p, 12)));
    const tags = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const choice = policy.choose(request);
      tags.add(choice.tag!);
      expect(choice.probability).toBeCloseTo(probabilities[choice.index]!, 12);
      expect(choice.probabilityExact).toBeUndefined();
    }
    expect(tags).toEqual(new Set(["learned", "rule"]));
  });

  it("reports probability 1 when every arm picks the same provider", () => {
    const policy = ab({
      arms: [
        { name: "a", share: 0.5, policy: { kind: "rule" } },
        { name: "b", share: 0.5, policy: { kind: "rule" } },
      ],
    });
    expect(policy.probabilities(request)).toEqual([1, 0, 0]);
    for (let i = 0; i < 20; i++) expect(policy.choose(request)).toMatchObject({ index: 0, probability: 1 });
  });

  it("logs propensities that match the empirical frequencies of a rule + uniform q-learning split", () => {
    const policy = ab(
      {
        arms: [
          { name: "rule", share: 0.5, policy: { kind: "rule" } },
          { name: "uniform", share: 0.5, policy: { kind: "q-learning", epsilon: 1, epsilonDecay: 1, epsilonMin: 1 } },
        ],
      },
      2024,
    );
    const n = 12_000;
    const counts = [0, 0, 0];
    const logged = [new Set<number>(), new Set<number>(), new Set<number>()];
    const inverseWeights = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const choice = policy.choose(request);
      counts[choice.index]!++;
      logged[choice.index]!.add(choice.probability);
      inverseWeights[choice.index]! += 1 / choice.probability;
    }
    // Cheap: 1/2 + 1/2·1/3, whichever arm picked it; the others 1/2·1/3.
    const expected = [2 / 3, 1 / 6, 1 / 6];
    expected.forEach((p, i) => {
      expect([...logged[i]!].map((q) => q.toFixed(12))).toEqual([p.toFixed(12)]);
      expect(Math.abs(counts[i]! - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
      // IPS of the indicator "picked i": 1 in expectation with the right propensities.
      expect(inverseWeights[i]! / n).toBeGreaterThan(0.95);
      expect(inverseWeights[i]! / n).toBeLessThan(1.05);
    });
  });

  it("counts an arm that cannot give its probabilities as 0 when it did not choose, and says so", () => {
    const policy = ab(
      {
        arms: [
          { name: "thompson", share: 0.5, policy: { kind: "thompson" } },
          { name: "rule", share: 0.5, policy: { kind: "rule" } },
        ],
      },
      5,
    );
    expect(policy.probabilities(request)).toBeUndefined();
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const choice = policy.choose(request);
      seen.add(choice.tag!);
      if (choice.tag === "rule") {
        // A lower bound: Thompson's chance of picking "cheap" too is unknown.
        expect(choice).toMatchObject({ index: 0, probability: 0.5, probabilityExact: false });
      } else {
        // Thompson's own (Monte Carlo) probability, plus the rule's exactly; its importance
        // weight estimates 1/its own probability, not 1/the mixture, so it is not passed on.
        expect(choice.probabilityExact).toBeUndefined();
        expect(choice).not.toHaveProperty("inverseProbability");
        expect(choice.probability).toBeGreaterThan(choice.index === 0 ? 0.5 : 0);
        expect(choice.probability).toBeLessThanOrEqual(choice.index === 0 ? 1 : 0.5);
      }
    }
    expect(seen).toEqual(new Set(["thompson", "rule"]));
  });

  it("lets each arm learn only from its own decisions", () => {
    const policy = ab({
      arms: [
        { name: "a", share: 0.5, policy: { kind: "q-learning", gamma: 0, alpha: 0.5 } },
        { name: "b", share: 0.5, policy: { kind: "q-learning", gamma: 0, alpha: 0.5 } },
      ],
    });
    const update = { stateKey: STATE, context, provider: candidates[1]!, reward: 8 };
    policy.update({ ...update, tag: "a" });
    policy.update({ ...update, tag: "a" });
    policy.update({ ...update, reward: -20, tag: "b" });
    const [a, b] = policy.stats().ab!.arms;
    expect(a!.policy.total_rewards).toBe(2);
    expect(b!.policy.total_rewards).toBe(1);
    const snapshot = policy.toJSON();
    expect(
      snapshot.arms.map((arm) => (arm.snapshot as { q_table: Record<string, Record<string, number>> }).q_table[STATE]!.fast),
    ).toEqual([6, -10]);
    expect(a!.rewards).toMatchObject({ count: 2, mean: 8 });
    expect(b!.rewards).toMatchObject({ count: 1, mean: -20, ci_low: null, ci_high: null });
  });

  it("reports each arm's mean reward with a 95% normal-approximation interval", () => {
    const policy = ab();
    for (const reward of [6, 8, 10]) policy.update({ stateKey: STATE, context, provider: candidates[0]!, reward, tag: "rule" });
    const rule = policy.stats().ab!.arms[1]!.rewards;
    expect(rule.count).toBe(3);
    expect(rule.mean).toBe(8);
    // s = 2, n = 3: 8 ± 1.96·2/√3.
    expect(rule.ci_low).toBeCloseTo(8 - (1.959963984540054 * 2) / Math.sqrt(3), 12);
    expect(rule.ci_high).toBeCloseTo(8 + (1.959963984540054 * 2) / Math.sqrt(3), 12);
  });

  it("learns nothing from a reward whose tag names no arm, and counts it", () => {
    const policy = ab();
    policy.update({ stateKey: STATE, context, provider: candidates[0]!, reward: 5 });
    policy.update({ stateKey: STATE, context, provider: candidates[0]!, reward: 5, tag: "gone" });
    const stats = policy.stats();
    expect(stats.ab!.unattributed_rewards).toBe(2);
    expect(stats.ab!.arms.map((arm) => arm.policy.total_rewards)).toEqual([0, 0]);
    expect(stats.total_rewards).toBe(2);
  });

  it("keeps a state on one arm with sticky assignment, with the arm's own propensity", () => {
    const policy = ab({ ...split, assignment: "state" });
    const choices = Array.from({ length: 50 }, () => policy.choose(request));
    const tags = new Set(choices.map((choice) => choice.tag));
    expect(tags.size).toBe(1);
    const own = createPolicy(split.arms[tags.has("rule") ? 1 : 0]!.policy).probabilities!(request)!;
    expect(policy.probabilities(request)).toEqual(own);
    for (const choice of choices) expect(choice.probability).toBe(own[choice.index]);
    expect([...tags][0]).toBe(stickyPoint(STATE) < 0.2 ? "learned" : "rule");
    const other = { ...request, stateKey: "render:rtx4090:eu-central" };
    expect(policy.choose(other).tag).toBe(stickyPoint(other.stateKey) < 0.2 ? "learned" : "rule");
    expect(stickyPoint(STATE, "salt-2")).not.toBe(stickyPoint(STATE));
  });

  it("round-trips through a snapshot, arms included, and goes on deciding the same way", () => {
    const policy = ab(split, 3);
    for (let i = 0; i < 30; i++) {
      const choice = policy.choose(request);
      policy.update({
        stateKey: STATE,
        context,
        provider: candidates[choice.index]!,
        reward: choice.index * 2,
        tag: choice.tag!,
      });
    }
    const snapshot = JSON.parse(JSON.stringify(policy.toJSON()));
    const resumed = createPolicy({ kind: "ab" } as never, { snapshot, rng: createRng(99) });
    expect(resumed.toJSON()).toEqual(policy.toJSON());
    expect(resumed.stats()).toEqual(policy.stats());
    const again = createPolicy({ kind: "ab", ...split }, { snapshot, rng: createRng(99) });
    const fresh = createPolicy({ kind: "ab", ...split }, { snapshot, rng: createRng(99) });
    expect(Array.from({ length: 10 }, () => again.choose(request).providerId)).toEqual(
      Array.from({ length: 10 }, () => fresh.choose(request).providerId),
    );
  });

  it("takes ready policies in its constructor", () => {
    const policy = new AbSplitPolicy({
      arms: [
        { name: "learned", share: 0.5, policy: new Strategist({ rng: createRng(1) }) },
        { name: "rule", share: 0.5, policy: new RulePolicy() },
      ],
      rng: createRng(1),
    });
    expect(policy.toJSON().params.arms.map((arm) => arm.policy)).toEqual([{ kind: "q-learning" }, { kind: "rule" }]);
  });

  describe("replay", () => {
    const rules: AbSplitOptions = {
      arms: [
        { name: "a", share: 0.5, policy: { kind: "rule" } },
        { name: "b", share: 0.5, policy: { kind: "rule", weights: { price: 0 } } },
      ],
    };

    it("counts a recorded decision on the arm its tag names, without drawing an arm", () => {
      const policy = createPolicy(
        { kind: "ab", ...rules },
        {
          rng: () => {
            throw new Error("replay drew a random number");
          },
        },
      ) as AbSplitPolicy;
      for (const tag of ["b", "a", "b"]) replayDecision(policy, request, { providerId: "fast", tag });
      const { decision_count, ab } = policy.stats();
      expect(decision_count).toBe(3);
      expect(ab!.arms.map((arm) => [arm.decisions, arm.decision_share, arm.policy.decision_count])).toEqual([
        [1, 1 / 3, 1],
        [2, 2 / 3, 2],
      ]);
    });

    it("ends where live traffic did when a restart replays the decisions after its snapshot", () => {
      const live = ab(split, 3);
      let snapshot: unknown;
      const after: { tag: string; providerId: string; index: number }[] = [];
      for (let i = 0; i < 120; i++) {
        if (i === 60) snapshot = JSON.parse(JSON.stringify(live.toJSON()));
        const choice = live.choose(request);
        const reward = choice.index === 0 ? 8 : 5;
        live.update({ stateKey: STATE, context, provider: candidates[choice.index]!, reward, tag: choice.tag! });
        if (i >= 60) after.push({ tag: choice.tag!, providerId: choice.providerId, index: choice.index });
      }
      // Another stream than live traffic's: a restarted engine's, or another replica's.
      const restarted = createPolicy({ kind: "ab", ...split }, { snapshot, rng: createRng(99) });
      for (const { tag, providerId, index } of after) {
        replayDecision(restarted, request, { providerId, tag });
        restarted.update({ stateKey: STATE, context, provider: candidates[index]!, reward: index === 0 ? 8 : 5, tag });
      }
      expect(restarted.toJSON()).toEqual(live.toJSON());
      const arms = restarted.stats().ab!.arms;
      expect(arms.map((arm) => arm.decisions)).toEqual(arms.map((arm) => arm.rewards.count));
    });

    it("replays an arm's own composite policy with the arm's part of the tag", () => {
      const policy = ab({
        arms: [
          { name: "guarded", share: 0.5, policy: { kind: "guardrail", policy: { kind: "rule", weights: { price: 0 } } } },
          { name: "rule", share: 0.5, policy: { kind: "rule" } },
        ],
      });
      replayDecision(policy, request, { providerId: "fast", tag: 'guarded["policy"]' });
      replayDecision(policy, request, { providerId: "cheap", tag: 'guarded["baseline"]' });
      const guarded = policy.stats().ab!.arms[0]!.policy.guardrail!;
      expect(guarded).toMatchObject({ decisions: 2, agreements: 0, policy_plays: 1, baseline_plays: 1 });
    });

    it("hands the arm that made the decision the ε recorded", () => {
      const policy = ab({
        arms: [
          { name: "sampled", share: 0.5, policy: { kind: "thompson" } },
          { name: "rule", share: 0.5, policy: { kind: "rule" } },
        ],
      });
      replayDecision(policy, request, { providerId: "fast", tag: "sampled", epsilon: 0.3 });
      expect(policy.stats().ab!.arms[0]!.policy.epsilon).toBe(0.3);
    });

    it("counts nowhere a decision whose tag names no arm, as its reward is learned by none", () => {
      const policy = ab(rules);
      expect(replayDecision(policy, request, { providerId: "cheap", tag: "gone" })).toBeUndefined();
      expect(replayDecision(policy, request, { providerId: "cheap" })).toBeUndefined();
      const { decision_count, ab: stats } = policy.stats();
      expect(decision_count).toBe(0);
      expect(stats!.arms.map((arm) => [arm.decisions, arm.policy.decision_count])).toEqual([
        [0, 0],
        [0, 0],
      ]);
    });
  });

  describe("invalid", () => {
    it("refuses shares that do not sum to 1", () => {
      expect(() => ab({ arms: [{ ...split.arms[0]!, share: 0.3 }, split.arms[1]!] })).toThrow(
        /^arms: the shares must sum to 1, but they sum to 1.1/,
      );
    });

    it("names a bad arm's field", () => {
      expect(fieldOf(() => ab({ arms: [split.arms[0]!, { ...split.arms[1]!, name: "learned" }] }))).toBe("arms[1].name");
      expect(fieldOf(() => ab({ arms: [split.arms[0]!, { ...split.arms[1]!, name: "a b" }] }))).toBe("arms[1].name");
      expect(fieldOf(() => ab({ arms: [{ ...split.arms[0]!, share: 0 }, split.arms[1]!] }))).toBe("arms[0].share");
      expect(fieldOf(() => ab({ arms: [split.arms[0]!] }))).toBe("arms");
      expect(fieldOf(() => ab({ ...split, assignment: "user" as never }))).toBe("assignment");
    });

    it("names a bad inner policy option under its arm", () => {
      const arms = [{ ...split.arms[0]!, policy: { kind: "q-learning", epsilon: 2 } }, split.arms[1]!] as AbSplitOptions["arms"];
      expect(fieldOf(() => ab({ arms }))).toBe("arms[0].policy.epsilon");
    });
  });
});
