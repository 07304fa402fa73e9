import type { Context, Provider } from "@aurora/domain";
import { createRng, ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import type { AbSplitOptions, AbSplitSnapshot } from "./ab-split-policy.js";
import type { ChooseRequest, Policy, PolicySnapshot, StrategistStats } from "./policy.js";
import { createPolicy } from "./policy-registry.js";
import { replayDecision } from "./replay-decision.js";
import type { ShadowOptions, ShadowSnapshot } from "./shadow-policy.js";
import { ShadowPolicy } from "./shadow-policy.js";
import { Strategist } from "./strategist.js";

const context: Context = { workload_type: "llm", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const STATE = "llm:a100:us-west";
const candidates: Provider[] = ["cheap", "fast", "slow", "new"].map((id, i) => ({
  provider_id: id,
  price_usd_per_hour: 1 + i,
  latency_ms: 100 - 10 * i,
  reputation: 80 + i,
  gpu_types: ["a100"],
  regions: ["us-west"],
}));
const request: ChooseRequest = { stateKey: STATE, context, candidates };
/** A fixed market: each provider's reward. */
const REWARDS = [7, 9, -20, 3];

const config: ShadowOptions = {
  primary: { kind: "q-learning", epsilon: 0.2, gamma: 0, initialQ: 15 },
  shadow: { kind: "q-learning", epsilon: 0.5, gamma: 0 },
};

function run(policy: Policy, steps: number): string[] {
  const picks: string[] = [];
  for (let i = 0; i < steps; i++) {
    const choice = policy.choose(request);
    picks.push(choice.providerId);
    policy.update({
      stateKey: STATE,
      context,
      provider: candidates[choice.index]!,
      reward: REWARDS[choice.index]!,
      ...(choice.tag ? { tag: choice.tag } : {}),
    });
  }
  return picks;
}

describe("ShadowPolicy", () => {
  it("never routes: the primary picks exactly what it picks alone", () => {
    const shadowed = createPolicy({ kind: "shadow", ...config }, { rng: createRng(5) });
    const alone = createPolicy(config.primary, { rng: createRng(5) });
    expect(run(shadowed, 300)).toEqual(run(alone, 300));
    expect(shadowed.toJSON()).toMatchObject({ primary: alone.toJSON() });
  });

  it("tags each decision agree or differ, and counts agreements", () => {
    const policy = createPolicy({ kind: "shadow", ...config }, { rng: createRng(5) });
    const tags = Array.from({ length: 50 }, () => policy.choose(request).tag);
    const stats = policy.stats().shadow!;
    expect(new Set(tags)).toEqual(new Set(["agree", "differ"]));
    expect(stats.agreements).toBe(tags.filter((t) => t === "agree").length);
    expect(stats.agreement_share).toBe(stats.agreements / 50);
  });

  it("lets the shadow learn from every outcome, and credits it only the rewards of agreed decisions", () => {
    const policy = createPolicy({ kind: "shadow", ...config }, { rng: createRng(5) });
    run(policy, 200);
    const stats = policy.stats();
    const shadow = stats.shadow!;
    expect(shadow.shadow.total_rewards).toBe(200);
    expect(stats.total_rewards).toBe(200);
    expect(shadow.agreed_rewards.count).toBe(shadow.agreements);
    expect(shadow.differed_rewards.count).toBe(200 - shadow.agreements);
    expect(shadow.unattributed_rewards).toBe(0);
    expect(shadow.name).toBe("q-learning");
  });

  it("learns from a reward without a shadow tag but compares nothing", () => {
    const policy = createPolicy({ kind: "shadow", ...config });
    policy.update({ stateKey: STATE, context, provider: candidates[0]!, reward: 5 });
    expect(policy.stats().shadow).toMatchObject({
      unattributed_rewards: 1,
      agreed_rewards: { count: 0 },
      shadow: { total_rewards: 1 },
    });
  });

  it("estimates with the primary", () => {
    const policy = createPolicy({ kind: "shadow", ...config });
    expect(policy.estimate(request)).toEqual([15, 15, 15, 15]);
  });

  it("round-trips through a snapshot", () => {
    const policy = createPolicy({ kind: "shadow", ...config }, { rng: createRng(5) });
    run(policy, 40);
    const snapshot = JSON.parse(JSON.stringify(policy.toJSON()));
    const resumed = createPolicy({ kind: "shadow" } as never, { snapshot, rng: createRng(1) });
    expect(resumed).toBeInstanceOf(ShadowPolicy);
    expect(resumed.toJSON()).toEqual(policy.toJSON());
    expect(resumed.stats()).toEqual(policy.stats());
  });

  it("takes ready policies in its constructor", () => {
    const policy = new ShadowPolicy({ primary: new Strategist(), shadow: new Strategist({ epsilon: 0.3 }) });
    expect(policy.toJSON().params).toEqual({ primary: { kind: "q-learning" }, shadow: { kind: "q-learning" }, seed: 0 });
  });

  describe("replay", () => {
    it("counts agreement from the label recorded, not from a new draw, when a restart replays decisions", () => {
      const live = createPolicy({ kind: "shadow", ...config }, { rng: createRng(5) });
      let snapshot: unknown;
      const after: { tag: string; providerId: string; index: number }[] = [];
      for (let i = 0; i < 200; i++) {
        if (i === 100) snapshot = JSON.parse(JSON.stringify(live.toJSON()));
        const choice = live.choose(request);
        live.update({
          stateKey: STATE,
          context,
          provider: candidates[choice.index]!,
          reward: REWARDS[choice.index]!,
          tag: choice.tag!,
        });
        if (i >= 100) after.push({ tag: choice.tag!, providerId: choice.providerId, index: choice.index });
      }
      const restarted = createPolicy({ kind: "shadow", ...config }, { snapshot, rng: createRng(9) });
      for (const { tag, providerId, index } of after) {
        replayDecision(restarted, request, { providerId, tag });
        restarted.update({ stateKey: STATE, context, provider: candidates[index]!, reward: REWARDS[index]!, tag });
      }
      const { agreements, agreement_share, decisions, agreed_rewards, differed_rewards, unattributed_rewards } =
        live.stats().shadow!;
      expect(restarted.stats().shadow).toMatchObject({
        agreements,
        agreement_share,
        decisions,
        agreed_rewards,
        differed_rewards,
        unattributed_rewards,
      });
      expect(restarted.stats().shadow!.shadow_estimate.count).toBe(200);
      expect((restarted.toJSON() as ShadowSnapshot).primary).toEqual((live.toJSON() as ShadowSnapshot).primary);
    });

    it("replays each inner policy with its own part of the tag", () => {
      const rules: AbSplitOptions = {
        arms: [
          { name: "a", share: 0.5, policy: { kind: "rule" } },
          { name: "b", share: 0.5, policy: { kind: "rule" } },
        ],
      };
      const policy = createPolicy({ kind: "shadow", primary: { kind: "ab", ...rules }, shadow: { kind: "ab", ...rules } });
      replayDecision(policy, request, { providerId: "cheap", tag: 'agree["a","b"]' });
      replayDecision(policy, request, { providerId: "cheap", tag: 'differ["a","a"]' });
      const snapshot = policy.toJSON() as ShadowSnapshot;
      const decisions = (inner: PolicySnapshot) => (inner as AbSplitSnapshot).arms.map((arm) => arm.decisions);
      expect(decisions(snapshot.primary)).toEqual([2, 0]);
      expect(decisions(snapshot.shadow)).toEqual([1, 1]);
      expect(policy.stats().shadow).toMatchObject({ decisions: 2, agreements: 1 });
      // Each inner policy's own statistics: an A/B primary's arms are in the status, not only the shadow's.
      const arms = (stats: StrategistStats | undefined) => stats?.ab?.arms.map((arm) => [arm.name, arm.decisions]);
      expect(arms(policy.stats().shadow?.primary)).toEqual([
        ["a", 2],
        ["b", 0],
      ]);
      expect(arms(policy.stats().shadow?.shadow)).toEqual([
        ["a", 1],
        ["b", 1],
      ]);
    });

    it("resumes the shadow's stream where the snapshot's decisions leave it, not at its first numbers", () => {
      // ε = 1: every shadow pick is a draw; the rule router always picks "cheap".
      const uniform: ShadowOptions = {
        primary: { kind: "rule" },
        shadow: { kind: "q-learning", epsilon: 1, epsilonDecay: 1 },
      };
      const tags = (policy: Policy) => Array.from({ length: 40 }, () => policy.choose(request).tag).join(",");
      const fresh = createPolicy({ kind: "shadow", ...uniform });
      const first = tags(fresh);
      const snapshot = JSON.parse(JSON.stringify(fresh.toJSON()));
      const resumed = tags(createPolicy({ kind: "shadow", ...uniform }, { snapshot }));
      // 40 draws agreeing by chance: 0.625⁴⁰ ≈ 7·10⁻⁹.
      expect(resumed).not.toBe(first);
      expect(tags(createPolicy({ kind: "shadow", ...uniform }, { snapshot }))).toBe(resumed);
      expect(tags(createPolicy({ kind: "shadow", ...uniform }))).toBe(first);
    });

    it("hands a tag without a shadow label, and its decision, whole to the primary", () => {
      const policy = createPolicy({
        kind: "shadow",
        primary: {
          kind: "ab",
          arms: [
            { name: "a", share: 0.5, policy: { kind: "rule" } },
            { name: "b", share: 0.5, policy: { kind: "rule" } },
          ],
        },
        shadow: { kind: "rule" },
      });
      replayDecision(policy, request, { providerId: "cheap", tag: "b" });
      policy.update({ stateKey: STATE, context, provider: candidates[0]!, reward: 5, tag: "b" });
      expect(policy.stats().shadow).toMatchObject({
        decisions: 0,
        unattributed_rewards: 1,
        shadow: { decision_count: 0, total_rewards: 1 },
      });
      const primary = (policy.toJSON() as ShadowSnapshot).primary as AbSplitSnapshot;
      expect(primary.arms.map((arm) => [arm.decisions, arm.rewards.count])).toEqual([
        [0, 0],
        [1, 1],
      ]);
      expect(primary.unattributed_rewards).toBe(0);
    });
  });

  describe("invalid", () => {
    it("names a missing or bad config", () => {
      const field = (action: () => unknown) => {
        try {
          action();
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return (error as ValidationError).field;
        }
        return "none";
      };
      expect(field(() => createPolicy({ kind: "shadow", primary: config.primary } as never))).toBe("shadow");
      expect(field(() => createPolicy({ kind: "shadow", ...config, shadow: { kind: "q-learning", alpha: 0 } }))).toBe(
        "shadow.alpha",
      );
      expect(field(() => createPolicy({ kind: "shadow", ...config, seed: 1.5 }))).toBe("seed");
      expect(field(() => createPolicy({ kind: "shadow", ...config, extra: 1 } as never))).toBe("extra");
    });
  });
});
