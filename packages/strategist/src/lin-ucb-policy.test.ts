import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { context, provider, request, runMarket } from "../test/learning-market.js";
import { describeLearningPolicyContract } from "../test/policy-contract.js";
import { LinUcbPolicy, resolveLinUcbOptions } from "./lin-ucb-policy.js";

describeLearningPolicyContract({
  kind: "lin-ucb",
  create: (options, rng) => new LinUcbPolicy({ ...options, ...(rng ? { rng } : {}) }),
  restore: (snapshot, options) => LinUcbPolicy.fromJSON(snapshot, options),
  badOption: ["alpha", -1],
});

const trio = [provider("akash", 1.2, 100, 90), provider("ionet", 1, 100, 80), provider("vast", 1.1, 80, 85)];

describe("LinUcbPolicy", () => {
  it("has the documented defaults", () => {
    expect(resolveLinUcbOptions({})).toEqual({
      discount: 0.999455,
      failureDiscount: 0.999858,
      ridge: 191,
      successRidge: 3.4,
      priorFailureRate: 0.05,
      maxFeatures: 256,
      crosses: [],
      shiftHalfLife: 860,
      successShiftHalfLife: 292,
      shiftPrior: 0.000111,
      shiftStartRate: 0.0000609,
      rewardWeights: { success_bonus: 10, failure_reward: -20, cost: 1, latency_divisor: 500, reputation_divisor: 100 },
      alpha: 1.232,
      explorationFloor: 0,
    });
  });

  it("fills the options a snapshot lacks from the shared defaults, as before lin-ucb had its own, not from today's", () => {
    const policy = new LinUcbPolicy();
    for (let i = 0; i < 30; i++) {
      policy.update({ stateKey: "llm:a100:us-west", context: context(), provider: trio[i % 3]!, reward: i % 7 === 0 ? -20 : 8 });
    }
    const snapshot = JSON.parse(JSON.stringify(policy.toJSON()));
    expect(LinUcbPolicy.fromJSON(snapshot).params).toEqual(policy.params);
    snapshot.params = { alpha: 1.5 };
    const old = LinUcbPolicy.fromJSON(snapshot);
    expect(old.params).toMatchObject({
      alpha: 1.5,
      discount: 0.9995,
      failureDiscount: 0.9999,
      ridge: 100,
      successRidge: 2,
      shiftHalfLife: 600,
      successShiftHalfLife: 300,
      shiftPrior: 0.0002,
      shiftStartRate: 0.00005,
    });
    delete snapshot.params.alpha;
    expect(LinUcbPolicy.fromJSON(snapshot).params.alpha).toBe(1);
    expect(LinUcbPolicy.fromJSON(snapshot, { ridge: 191 }).params.ridge).toBe(191);
  });

  it("refuses a shiftStartRate outside [0, 1), naming it", () => {
    expect(() => new LinUcbPolicy({ shiftStartRate: -0.001 })).toThrow(/^shiftStartRate: must be a number from 0 up to/);
    expect(() => resolveLinUcbOptions({ shiftStartRate: 1 }, "params")).toThrow(/^params\.shiftStartRate: /);
    expect(() => resolveLinUcbOptions({ shiftStartRate: Number.NaN })).toThrow(/^shiftStartRate: /);
  });

  it("refuses a successShiftHalfLife that is not a finite number > 0, naming it", () => {
    expect(() => new LinUcbPolicy({ successShiftHalfLife: 0 })).toThrow(/^successShiftHalfLife: must be a finite number > 0/);
    expect(() => resolveLinUcbOptions({ successShiftHalfLife: Number.NaN }, "params")).toThrow(/^params\.successShiftHalfLife: /);
  });

  it("refuses a failureDiscount outside [0.5, 1], naming it", () => {
    expect(() => new LinUcbPolicy({ failureDiscount: 0 })).toThrow(/^failureDiscount: must be a number from 0\.5 to 1/);
    // Smaller ones forget so fast that the model's numbers underflow (NaN estimates below 1e-50).
    expect(() => new LinUcbPolicy({ failureDiscount: 0.49 })).toThrow(/^failureDiscount: /);
    expect(() => new LinUcbPolicy({ discount: 1e-60 })).toThrow(/^discount: must be a number from 0\.5 to 1/);
    expect(new LinUcbPolicy({ discount: 0.5, failureDiscount: 0.5 }).name).toBe("lin-ucb");
    expect(() => resolveLinUcbOptions({ failureDiscount: 1.5 }, "params")).toThrow(/^params\.failureDiscount: /);
  });

  it("restores a snapshot written before failureDiscount existed with the shared default (0.9999)", () => {
    const policy = new LinUcbPolicy();
    for (let i = 0; i < 30; i++) {
      policy.update({ stateKey: "llm:a100:us-west", context: context(), provider: trio[i % 3]!, reward: i % 7 === 0 ? -20 : 8 });
    }
    const snapshot = JSON.parse(JSON.stringify(policy.toJSON()));
    delete snapshot.params.failureDiscount;
    const old = LinUcbPolicy.fromJSON(snapshot);
    expect(old.params.failureDiscount).toBe(0.9999);
    expect(old.estimate(request(trio))).toEqual(policy.estimate(request(trio)));
  });

  it("keeps successShiftHalfLife in its snapshot, and restores one written before the option existed with the shared default (300)", () => {
    const policy = new LinUcbPolicy({ successShiftHalfLife: 120 });
    for (let i = 0; i < 30; i++) {
      policy.update({ stateKey: "llm:a100:us-west", context: context(), provider: trio[i % 3]!, reward: i % 7 === 0 ? -20 : 8 });
    }
    const snapshot = JSON.parse(JSON.stringify(policy.toJSON()));
    expect(LinUcbPolicy.fromJSON(snapshot).params.successShiftHalfLife).toBe(120);
    delete snapshot.params.successShiftHalfLife;
    const old = LinUcbPolicy.fromJSON(snapshot);
    expect(old.params.successShiftHalfLife).toBe(300);
    expect(old.estimate(request(trio))).toEqual(new LinUcbPolicy().estimate(request(trio)).map(() => expect.any(Number)));
    expect(old.toJSON().model).toEqual(policy.toJSON().model);
  });

  it("is deterministic: it draws nothing and its pick has propensity 1", () => {
    const draws: number[] = [];
    const policy = new LinUcbPolicy({
      rng: () => {
        draws.push(0);
        return 0.5;
      },
    });
    const choice = policy.choose(request(trio));
    expect(draws).toEqual([]);
    expect(choice).toMatchObject({ probability: 1, epsilon: 0 });
  });

  it("follows the seeded market exactly", () => {
    const policy = new LinUcbPolicy();
    const run = runMarket(
      policy,
      trio,
      { failure: { ionet: 0.3 } },
      { steps: 400, seed: 42, regions: ["us-west", "eu-central"] },
    );
    expect(Object.fromEntries(run.tailPicks)).toEqual(EXPECTED_TAIL_PICKS);
    expect(run.totalReward).toBeCloseTo(EXPECTED_TOTAL_REWARD, 9);
  });

  it("with an exploration floor ε, mixes in uniform picks with propensity ε/n + (1 − ε)·[UCB pick]", () => {
    const draws = [0.05, 0.9, 0.5];
    const policy = new LinUcbPolicy({ explorationFloor: 0.3, rng: () => draws.shift() ?? 0.99 });
    const greedy = policy.choose(request(trio));
    expect(greedy).toMatchObject({ epsilon: 0.3 });
    // First draw 0.05 < 0.3 explores; 0.9 picks ⌊3·0.9⌋ = 2.
    expect(greedy.index).toBe(2);
    const ucbPick = new LinUcbPolicy().choose(request(trio)).index;
    expect(greedy.probability).toBeCloseTo(0.1 + (ucbPick === 2 ? 0.7 : 0), 15);
    const exploit = policy.choose(request(trio));
    expect(exploit.index).toBe(ucbPick);
    expect(exploit.probability).toBeCloseTo(0.1 + 0.7, 15);
  });

  it("shares what it learns across states: a provider failing in one region looks worse in another, and worse than the rest", () => {
    const policy = new LinUcbPolicy();
    const elsewhere = request(trio, context("ap-south", 1, "h100", "render"));
    const before = policy.estimate(elsewhere);
    for (let i = 0; i < 40; i++) {
      policy.update({ stateKey: "llm:a100:us-west", context: context(), provider: trio[1]!, reward: i % 2 === 0 ? -20 : 9 });
    }
    const after = policy.estimate(elsewhere);
    const drop = (i: number) => (before[i] as number) - (after[i] as number);
    expect(drop(1)).toBeGreaterThan(1);
    expect(drop(1)).toBeGreaterThan(drop(0));
    expect(drop(1)).toBeGreaterThan(drop(2));
  });

  it("moves away from a provider after a few failures in a row (a silent outage)", () => {
    const policy = new LinUcbPolicy();
    const run = runMarket(policy, trio, { failure: { ionet: 0.02, akash: 0.02, vast: 0.02 } }, { steps: 300, seed: 1 });
    expect(run.tailPicks.size).toBeGreaterThan(0);
    // The provider it would use now goes down: every job on it fails.
    const favourite = policy.choose(request(trio)).providerId;
    const down = trio.find((p) => p.provider_id === favourite)!;
    let failures = 0;
    for (let i = 0; i < 10; i++) {
      failures++;
      policy.update({
        stateKey: "llm:a100:us-west",
        context: context(),
        provider: down,
        reward: -20,
        outcome: { success: false, actual_cost_usd: 0, actual_latency_ms: 100 },
      });
      if (policy.choose(request(trio)).providerId !== favourite) break;
    }
    expect(failures).toBeLessThanOrEqual(4);
  });

  it("explores less under a dense Ψ field: the confidence bonus shrinks by 1 − 0.5·d", () => {
    const wide = new LinUcbPolicy({ alpha: 1 });
    const narrow = new LinUcbPolicy({ alpha: 2 });
    // α = 2 at d = 1 is α = 1 at d = 0: the same picks.
    for (let i = 0; i < 5; i++) {
      const r = request(trio, context("us-west", 1 + i));
      expect(narrow.choose({ ...r, psiDensity: 1 }).index).toBe(wide.choose(r).index);
    }
  });

  it("keeps its features within maxFeatures: past the cap, new providers are judged by the shared features", () => {
    const policy = new LinUcbPolicy({ maxFeatures: 8 });
    const many = Array.from({ length: 12 }, (_, i) => provider(`p${i}`, 1 + i / 10));
    for (let i = 0; i < 12; i++)
      policy.update({ stateKey: "llm:a100:us-west", context: context(), provider: many[i]!, reward: 8 });
    const model = policy.toJSON().model;
    expect(model.features.failure.length).toBeLessThanOrEqual(8);
    expect(model.features.success.length).toBeLessThanOrEqual(8);
    expect(policy.estimate(request(many)).every(Number.isFinite)).toBe(true);
  });

  it("uses createRng-seeded randomness only for the exploration floor", () => {
    const a = new LinUcbPolicy({ explorationFloor: 0.5, rng: createRng(4) });
    const b = new LinUcbPolicy({ explorationFloor: 0.5, rng: createRng(4) });
    const picks = (p: LinUcbPolicy) =>
      Array.from({ length: 20 }, (_, i) => p.choose(request(trio, context("us-west", 1 + i))).index);
    expect(picks(a)).toEqual(picks(b));
  });
});

// Pinned from a run: any change to the maths or the draws shows up here.
const EXPECTED_TAIL_PICKS = { akash: 100 };
const EXPECTED_TOTAL_REWARD = 3210.6;
