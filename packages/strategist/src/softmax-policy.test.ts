import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { context, provider, request, runMarket } from "../test/learning-market.js";
import { describeLearningPolicyContract } from "../test/policy-contract.js";
import { replayDecision } from "./replay-decision.js";
import { resolveSoftmaxOptions, SoftmaxPolicy } from "./softmax-policy.js";

describeLearningPolicyContract({
  kind: "softmax",
  create: (options, rng) => new SoftmaxPolicy({ ...options, ...(rng ? { rng } : {}) }),
  restore: (snapshot, options) => SoftmaxPolicy.fromJSON(snapshot, options),
  badOption: ["temperature", 0],
});

const trio = [provider("akash", 1.2, 100, 90), provider("ionet", 1, 100, 80), provider("vast", 1.1, 80, 85)];

describe("SoftmaxPolicy", () => {
  it("reports the ε a replayed decision recorded as its last decision's, not what its model gives now", () => {
    const policy = new SoftmaxPolicy({ rng: createRng(3) });
    replayDecision(policy, request(trio), { providerId: "vast", epsilon: 0.25 });
    expect(policy.stats()).toMatchObject({ epsilon: 0.25, decision_count: 1 });
    // Nothing recorded: the replayed choice's own.
    const own = replayDecision(policy, request(trio), { providerId: "vast" });
    expect(policy.stats()).toMatchObject({ epsilon: own!.epsilon, decision_count: 2 });
  });

  it("has the documented defaults", () => {
    expect(resolveSoftmaxOptions({})).toMatchObject({ temperature: 0.15, discount: 0.9995, priorStrength: 5 });
  });

  it("picks with probability exp(v/τ)/Σ exp(v/τ), and reports exactly that", () => {
    const policy = new SoftmaxPolicy({ temperature: 0.5 });
    const r = request(trio);
    const values = policy.estimate(r);
    const weights = values.map((v) => Math.exp(v / 0.5));
    const total = weights.reduce((a, b) => a + b, 0);
    const expected = weights.map((w) => w / total);
    expect(policy.probabilities(r)).toEqual(expected.map((p) => expect.closeTo(p, 12)));
    // u = 0.5·total: the first candidate whose cumulative weight exceeds it.
    const seeded = new SoftmaxPolicy({ temperature: 0.5, rng: () => 0.5 });
    const choice = seeded.choose(r);
    const cumulative = expected.map((_, i) => expected.slice(0, i + 1).reduce((a, b) => a + b, 0));
    expect(choice.index).toBe(cumulative.findIndex((c) => 0.5 < c));
    expect(choice.probability).toBeCloseTo(expected[choice.index]!, 12);
    const greedy = values.indexOf(Math.max(...values));
    expect(choice.epsilon).toBeCloseTo(1 - expected[greedy]!, 12);
  });

  it("follows the seeded market exactly", () => {
    const run = runMarket(new SoftmaxPolicy({ rng: createRng(42) }), trio, { failure: { ionet: 0.3 } }, { steps: 400, seed: 42 });
    expect(Object.fromEntries(run.tailPicks)).toEqual(EXPECTED_TAIL_PICKS);
    expect(run.totalReward).toBeCloseTo(EXPECTED_TOTAL_REWARD, 9);
  });

  it("explores less under a dense Ψ field: the temperature is multiplied by 1 − 0.5·d", () => {
    const policy = new SoftmaxPolicy({ temperature: 1 });
    const hot = policy.probabilities(request(trio, context(), { psiDensity: 0 }));
    const cool = new SoftmaxPolicy({ temperature: 0.5 }).probabilities(request(trio));
    expect(policy.probabilities(request(trio, context(), { psiDensity: 1 }))).toEqual(cool);
    expect(Math.max(...cool)).toBeGreaterThan(Math.max(...hot));
  });
});

// Pinned from a run: any change to the maths or the draws shows up here.
const EXPECTED_TAIL_PICKS = { vast: 100 };
const EXPECTED_TOTAL_REWARD = 3303.06;
