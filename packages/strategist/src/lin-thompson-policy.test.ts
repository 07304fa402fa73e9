import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { context, provider, request, runMarket } from "../test/learning-market.js";
import { describeLearningPolicyContract } from "../test/policy-contract.js";
import { LinThompsonPolicy, resolveLinThompsonOptions } from "./lin-thompson-policy.js";

describeLearningPolicyContract({
  kind: "lin-thompson",
  create: (options, rng) => new LinThompsonPolicy({ ...options, ...(rng ? { rng } : {}) }),
  restore: (snapshot, options) => LinThompsonPolicy.fromJSON(snapshot, options),
  badOption: ["propensityDraws", 5],
});

const trio = [provider("akash", 1.2, 100, 90), provider("ionet", 1, 100, 80), provider("vast", 1.1, 80, 85)];

describe("LinThompsonPolicy", () => {
  it("has the documented defaults", () => {
    expect(resolveLinThompsonOptions({})).toMatchObject({ scale: 0.5, propensityDraws: 100, ridge: 100, discount: 0.9995 });
  });

  it("follows the seeded draws exactly", () => {
    const policy = new LinThompsonPolicy({ rng: createRng(42) });
    const picks = Array.from({ length: 8 }, (_, i) => policy.choose(request(trio, context("us-west", 1 + i / 4))));
    expect(picks.map((c) => c.index)).toEqual(EXPECTED_PICKS);
    expect(picks.map((c) => c.probability)).toEqual(EXPECTED_PROBABILITIES);
  });

  it("reports propensities that match how often it picks each candidate", () => {
    const policy = new LinThompsonPolicy({ rng: createRng(8) });
    runMarket(policy, trio, { failure: { ionet: 0.1 } }, { steps: 60, seed: 3 });
    const r = request(trio);
    const count = [0, 0, 0];
    const reported = [0, 0, 0];
    const rounds = 3000;
    for (let i = 0; i < rounds; i++) {
      const choice = policy.choose(r);
      count[choice.index]! += 1;
      reported[choice.index]! += choice.probability;
    }
    for (let i = 0; i < 3; i++) {
      if (count[i] === 0) continue;
      // E[propensity | picked i] is i's probability; the frequency estimates the same.
      expect(Math.abs(reported[i]! / count[i]! - count[i]! / rounds)).toBeLessThan(0.05);
    }
  });

  it("never reports a propensity of 0: its own draw counts as one of M + 1", () => {
    const policy = new LinThompsonPolicy({ rng: createRng(1), propensityDraws: 10 });
    for (let i = 0; i < 200; i++) expect(policy.choose(request(trio)).probability).toBeGreaterThanOrEqual(1 / 11);
  });

  it("explores less under a dense Ψ field: draws closer to the means", () => {
    const greedyShare = (psiDensity: number | undefined) => {
      const policy = new LinThompsonPolicy({ rng: createRng(2), scale: 2 });
      let greedy = 0;
      for (let i = 0; i < 400; i++)
        if (policy.choose(request(trio, context(), psiDensity === undefined ? {} : { psiDensity })).mode === "exploit") greedy++;
      return greedy;
    };
    expect(greedyShare(1)).toBeGreaterThan(greedyShare(undefined));
  });
});

// Pinned from a run: propensities are (1 + wins)/(100 + 1).
const EXPECTED_PICKS = [2, 1, 1, 1, 1, 1, 1, 0];
const EXPECTED_PROBABILITIES = [33, 56, 48, 55, 53, 56, 64, 26].map((wins) => wins / 101);
