import { contextSchema, createRng, providerSchema } from "@aurora/domain";
import { createPolicy, epsilonGreedyPropensities, type Policy } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { context, provider } from "../test/log-lines.js";
import { policyTarget } from "./policy-target.js";

const request = (n: number, psiDensity?: number) => ({
  stateKey: "llm_inference:a100:us-west",
  context: contextSchema.parse(context),
  candidates: Array.from({ length: n }, (_, i) => providerSchema.parse(provider(`p${i}`))),
  ...(psiDensity !== undefined ? { psiDensity } : {}),
});

/** A q-learning policy that learned p2 is best in this state. */
function trained(epsilon: number): Policy {
  const policy = createPolicy({ kind: "q-learning", epsilon, epsilonDecay: 1 }, { rng: createRng(5) });
  const req = request(4);
  policy.update({ stateKey: req.stateKey, context: req.context, provider: req.candidates[2]!, reward: 8 });
  return policy;
}

describe("policyTarget", () => {
  it("gives ε-greedy's exact probabilities: 1 − ε + ε/n for the greedy pick, ε/n for the others", () => {
    const target = policyTarget(trained(0.2));
    const probabilities = target.probabilities(request(4));
    expect(probabilities).toEqual(epsilonGreedyPropensities([0, 0, 7.6, 0], 0.2));
    expect(probabilities[2]).toBeCloseTo(0.85, 12);
    expect(probabilities[0]).toBeCloseTo(0.05, 12);
  });

  it("replays the logged Ψ density: ε·(1 − 0.5·d)", () => {
    const probabilities = policyTarget(trained(0.2)).probabilities(request(4, 1));
    expect(probabilities[0]).toBeCloseTo(0.1 / 4, 12);
  });

  it("needs one choose call for a deterministic policy", () => {
    let calls = 0;
    const policy = trained(0);
    const counting = {
      name: policy.name,
      choose(request: Parameters<Policy["choose"]>[0]) {
        calls++;
        return policy.choose(request);
      },
    } as Policy;
    expect(policyTarget(counting).probabilities(request(4))).toEqual([0, 0, 1, 0]);
    expect(calls).toBe(1);
  });

  it("never learns: the policy's estimates are unchanged after replay", () => {
    const policy = trained(0.3);
    const before = policy.estimate(request(4));
    policyTarget(policy).probabilities(request(4));
    expect(policy.estimate(request(4))).toEqual(before);
    expect(policy.stats().total_rewards).toBe(1);
  });

  it("asks a policy that states its distribution directly", () => {
    const inner = trained(0);
    const policy = {
      name: "explicit",
      choose: (r: never) => inner.choose(r),
      probabilities: () => [0.1, 0.2, 0.3, 0.4],
    } as unknown as Policy;
    expect(policyTarget(policy).probabilities(request(4))).toEqual([0.1, 0.2, 0.3, 0.4]);
  });

  it("samples choose for a request the policy cannot state its distribution for", () => {
    const inner = trained(0);
    const policy = {
      name: "sometimes",
      choose: (r: never) => inner.choose(r),
      probabilities: () => undefined,
    } as unknown as Policy;
    expect(policyTarget(policy).probabilities(request(4))).toEqual([0, 0, 1, 0]);
  });

  it("leaves out picks whose probability is only a lower bound", () => {
    // An A/B split of a greedy arm (always p0) and a Thompson arm: where the greedy arm chose,
    // the split reports 0.5, a bound (Thompson's chance of p0 is unknown).
    const policy = createPolicy(
      {
        kind: "ab",
        arms: [
          { name: "g", share: 0.5, policy: { kind: "q-learning", epsilon: 0, epsilonDecay: 1 } },
          { name: "t", share: 0.5, policy: { kind: "thompson" } },
        ],
      },
      { rng: createRng(4) },
    );
    const probabilities = policyTarget(policy, { samples: 200 }).probabilities(request(2));
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // p0 is the greedy arm's pick for sure and Thompson's about half the time: about 0.75 (the
    // bound 0.5 taken as p0's probability left 0.79 in all, shared wrongly).
    expect(probabilities[0]).toBeGreaterThan(0.65);
    expect(probabilities[0]).toBeLessThan(0.85);
  });

  it("shares the mass it never saw equally among the candidates it never saw", () => {
    // A policy that always reports probability 0.5 for p0 and never picks anything else.
    const policy = {
      name: "half",
      choose: () => ({ index: 0, providerId: "p0", mode: "exploit", estimate: 0, epsilon: 0, probability: 0.5 }),
    } as unknown as Policy;
    expect(policyTarget(policy, { samples: 3 }).probabilities(request(3))).toEqual([0.5, 0.25, 0.25]);
  });

  it("gives a Monte Carlo policy (thompson) each candidate's share of its picks, which converges as samples grow", () => {
    const req = request(3);
    const policy = createPolicy({ kind: "thompson" }, { rng: createRng(3) });
    // p0 is best, p1 close behind, p2 a rare pick (about 2%).
    for (let i = 0; i < 5; i++) {
      for (const [index, reward] of [
        [0, 9],
        [1, 8.5],
        [2, 7.5],
      ] as const) {
        policy.update({ stateKey: req.stateKey, context: req.context, provider: req.candidates[index]!, reward });
      }
    }
    const snapshot = JSON.parse(JSON.stringify(policy.toJSON()));
    const frozen = (seed: number) => createPolicy({ kind: "thompson" }, { rng: createRng(seed), snapshot });
    const truth = [0, 0, 0];
    const measure = frozen(99);
    for (let i = 0; i < 20_000; i++) truth[measure.choose(req).index]! += 1 / 20_000;
    expect(truth[2]).toBeGreaterThan(0.005);
    expect(truth[2]).toBeLessThan(0.1);
    const estimated = policyTarget(frozen(1), { samples: 20_000 }).probabilities(req);
    expect(estimated.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    // Binomial standard error at 20,000 picks is under 0.004 for every share here.
    for (let i = 0; i < 3; i++) expect(Math.abs(estimated[i]! - truth[i]!)).toBeLessThan(0.015);
    expect(estimated[2]).toBeGreaterThan(0);
  });

  it("refuses a bad sample count", () => {
    expect(() => policyTarget(trained(0), { samples: 0 })).toThrow("samples: must be a whole number ≥ 1");
  });
});
