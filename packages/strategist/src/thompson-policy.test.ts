import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { context, provider, request, runMarket } from "../test/learning-market.js";
import { describeLearningPolicyContract } from "../test/policy-contract.js";
import { replayDecision } from "./replay-decision.js";
import { resolveThompsonOptions, ThompsonPolicy } from "./thompson-policy.js";

describeLearningPolicyContract({
  kind: "thompson",
  create: (options, rng) => new ThompsonPolicy({ ...options, ...(rng ? { rng } : {}) }),
  restore: (snapshot, options) => ThompsonPolicy.fromJSON(snapshot, options),
  badOption: ["priorStrength", 0],
});

const trio = [provider("akash", 1.2, 100, 90), provider("ionet", 1, 100, 80), provider("vast", 1.1, 80, 85)];

describe("ThompsonPolicy", () => {
  it("reports the ε a replayed decision recorded as its last decision's, not its Monte Carlo estimate", () => {
    const policy = new ThompsonPolicy({ rng: createRng(3) });
    replayDecision(policy, request(trio), { providerId: "vast", epsilon: 0.25 });
    expect(policy.stats()).toMatchObject({ epsilon: 0.25, decision_count: 1 });
    // Nothing recorded: the replayed choice's own.
    const own = replayDecision(policy, request(trio), { providerId: "vast" });
    expect(policy.stats()).toMatchObject({ epsilon: own!.epsilon, decision_count: 2 });
  });

  it("has the documented defaults", () => {
    expect(resolveThompsonOptions({})).toMatchObject({ propensityDraws: 100, discount: 0.9995, priorStrength: 5 });
  });

  it("follows the seeded draws exactly", () => {
    const policy = new ThompsonPolicy({ rng: createRng(42) });
    const picks = Array.from({ length: 8 }, (_, i) => policy.choose(request(trio, context("us-west", 1 + i / 4))));
    expect(picks.map((c) => c.index)).toEqual(EXPECTED_PICKS);
    expect(picks.map((c) => Math.round(c.probability * 101))).toEqual(EXPECTED_WINS);
  });

  it("reports propensities that match how often it picks each candidate", () => {
    const policy = new ThompsonPolicy({ rng: createRng(8), propensityDraws: 200 });
    runMarket(policy, trio, { failure: { ionet: 0.1 } }, { steps: 60, seed: 3 });
    const r = request(trio);
    const count = [0, 0, 0];
    const reported = [0, 0, 0];
    const rounds = 1500;
    for (let i = 0; i < rounds; i++) {
      const choice = policy.choose(r);
      count[choice.index]! += 1;
      reported[choice.index]! += choice.probability;
    }
    for (let i = 0; i < 3; i++) {
      if (count[i] === 0) continue;
      expect(Math.abs(reported[i]! / count[i]! - count[i]! / rounds)).toBeLessThan(0.05);
    }
  });

  it("gives an importance weight whose mean is 1/propensity, where 1/probability reads low for a rare pick", () => {
    const policy = new ThompsonPolicy({ rng: createRng(8) });
    runMarket(policy, trio, { failure: { akash: 0.4 } }, { steps: 300, seed: 3 });
    const r = request(trio);
    const rounds = 40_000;
    // Σ over decisions of [picked i]·weight, per candidate: its mean is 1 when the weight's mean is 1/pᵢ.
    const resampled = [0, 0, 0];
    const squares = [0, 0, 0];
    const inverted = [0, 0, 0];
    const count = [0, 0, 0];
    for (let d = 0; d < rounds; d++) {
      const choice = policy.choose(r);
      const weight = choice.inverseProbability as number;
      expect(Number.isInteger(weight) && weight >= 1).toBe(true);
      count[choice.index]! += 1;
      resampled[choice.index]! += weight;
      squares[choice.index]! += weight * weight;
      inverted[choice.index]! += 1 / choice.probability;
    }
    for (let i = 0; i < 3; i++) {
      const mean = resampled[i]! / rounds;
      const sd = Math.sqrt(squares[i]! / rounds - mean * mean);
      expect(Math.abs(mean - 1)).toBeLessThan(5 * (sd / Math.sqrt(rounds)));
    }
    // The rarely picked candidate: 1/probability, from (1 + wins)/101, weighs far too little.
    const rare = count.indexOf(Math.min(...count));
    expect(count[rare]! / rounds).toBeLessThan(0.01);
    expect(inverted[rare]! / rounds).toBeLessThan(0.8);
  });

  it("keeps the importance weight's mean at 1/propensity across restarts: each resumes a stream of its own", () => {
    const trained = new ThompsonPolicy({ rng: createRng(8) });
    runMarket(trained, trio, { failure: { akash: 0.4 } }, { steps: 300, seed: 3 });
    const r = request(trio);
    // A process that restarts before every decision, on a model that does not change meanwhile
    // (no feedback): each restart resumes from a snapshot one decision further on.
    const sums = [0, 0, 0];
    const squares = [0, 0, 0];
    const restarts = 6_000;
    let snapshot = JSON.parse(JSON.stringify(trained.toJSON()));
    for (let d = 0; d < restarts; d++) {
      const resumed = ThompsonPolicy.fromJSON(snapshot, { rng: createRng(1_000 + d) });
      const choice = resumed.choose(r);
      const weight = choice.inverseProbability as number;
      sums[choice.index]! += weight;
      squares[choice.index]! += weight * weight;
      snapshot = JSON.parse(JSON.stringify(resumed.toJSON()));
    }
    for (let i = 0; i < 3; i++) {
      const mean = sums[i]! / restarts;
      const sd = Math.sqrt(squares[i]! / restarts - mean * mean);
      expect(Math.abs(mean - 1)).toBeLessThan(Math.max(0.1, 5 * (sd / Math.sqrt(restarts))));
    }
  });

  it("learns which provider is best in each state on its own", () => {
    const run = runMarket(
      new ThompsonPolicy({ rng: createRng(3) }),
      trio,
      { failure: { akash: 0.3, vast: 0.3 } },
      { steps: 800, seed: 9 },
    );
    expect(run.tailPicks.get("ionet") ?? 0).toBeGreaterThan(150);
  });
});

// Pinned from a run: propensities are (1 + wins)/(100 + 1).
const EXPECTED_PICKS = [2, 2, 2, 1, 0, 2, 2, 1];
const EXPECTED_WINS = [36, 38, 25, 45, 22, 30, 38, 50];
