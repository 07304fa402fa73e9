import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { context, provider, request, runMarket } from "../test/learning-market.js";
import { describeLearningPolicyContract } from "../test/policy-contract.js";
import type { LinThompsonSamplingPath } from "./lin-thompson-policy.js";
import {
  forceLinThompsonSamplingPath,
  LinThompsonPolicy,
  linThompsonScratchUse,
  resolveLinThompsonOptions,
} from "./lin-thompson-policy.js";
import { replayDecision } from "./replay-decision.js";

describeLearningPolicyContract({
  kind: "lin-thompson",
  create: (options, rng) => new LinThompsonPolicy({ ...options, ...(rng ? { rng } : {}) }),
  restore: (snapshot, options) => LinThompsonPolicy.fromJSON(snapshot, options),
  badOption: ["propensityDraws", 5],
});

const trio = [provider("akash", 1.2, 100, 90), provider("ionet", 1, 100, 80), provider("vast", 1.1, 80, 85)];

describe("LinThompsonPolicy", () => {
  it("resumes the importance weights' stream where its snapshot had come, not at its first numbers", () => {
    // Little learned yet: every provider is still picked often enough for its weights to vary.
    const trained = new LinThompsonPolicy({ rng: createRng(8) });
    runMarket(trained, trio, {}, { steps: 6, seed: 3 });
    const r = request(trio);
    const weights = (snapshot: unknown) => {
      const resumed = LinThompsonPolicy.fromJSON(snapshot, { rng: createRng(1) });
      return Array.from({ length: 40 }, () => resumed.choose(r).inverseProbability);
    };
    const at = JSON.parse(JSON.stringify(trained.toJSON()));
    trained.choose(r); // one decision on: the same model, a snapshot one decision further
    const further = JSON.parse(JSON.stringify(trained.toJSON()));
    expect(weights(at)).toEqual(weights(at));
    expect(weights(further)).not.toEqual(weights(at));
  });

  it("reports the ε a replayed decision recorded as its last decision's, not its Monte Carlo estimate", () => {
    const policy = new LinThompsonPolicy({ rng: createRng(3) });
    replayDecision(policy, request(trio), { providerId: "vast", epsilon: 0.25 });
    expect(policy.stats()).toMatchObject({ epsilon: 0.25, decision_count: 1 });
    // Nothing recorded: the replayed choice's own.
    const own = replayDecision(policy, request(trio), { providerId: "vast" });
    expect(policy.stats()).toMatchObject({ epsilon: own!.epsilon, decision_count: 2 });
  });

  it("gives an importance weight whose mean is 1/propensity, on either sampling path", () => {
    for (const path of ["candidates", "weights"] as LinThompsonSamplingPath[]) {
      const policy = new LinThompsonPolicy({ rng: createRng(8) });
      runMarket(policy, trio, { failure: { akash: 0.4 } }, { steps: 300, seed: 3 });
      forceLinThompsonSamplingPath(policy, path);
      const r = request(trio);
      const rounds = 20_000;
      const resampled = [0, 0, 0];
      const squares = [0, 0, 0];
      for (let d = 0; d < rounds; d++) {
        const choice = policy.choose(r);
        const weight = choice.inverseProbability as number;
        resampled[choice.index]! += weight;
        squares[choice.index]! += weight * weight;
      }
      for (let i = 0; i < 3; i++) {
        const mean = resampled[i]! / rounds;
        const sd = Math.sqrt(squares[i]! / rounds - mean * mean);
        expect(Math.abs(mean - 1)).toBeLessThan(5 * (sd / Math.sqrt(rounds)));
      }
    }
  });

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

  it("counts the wins of every candidate, past the eighth too, on a new policy", () => {
    // The wins counter once started 8 long beside 16 for the rest: a pick from the 9th to the
    // 16th candidate got a propensity of NaN, and their wins went uncounted.
    const twelve = Array.from({ length: 12 }, (_, i) => provider(`p${i}`, 1, 100, 90));
    const policy = new LinThompsonPolicy({ rng: createRng(5), scale: 2 });
    let late = 0;
    for (let i = 0; i < 100; i++) {
      const choice = policy.choose(request(twelve));
      if (choice.index >= 8) late++;
      expect(choice.probability).toBeGreaterThan(0);
      expect(choice.probability).toBeLessThanOrEqual(1);
      expect(Number.isFinite(choice.epsilon)).toBe(true);
    }
    expect(late).toBeGreaterThan(0);
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

describe("LinThompsonPolicy with more candidates than features", () => {
  // maxFeatures 8: the failure model holds bias, reputation and six providers' identities, the
  // success model bias, latency, cost and two and a half providers' pairs; the other candidates
  // are judged by the shared features alone, so their draws are correlated through them.
  const twelve = Array.from({ length: 12 }, (_, i) => provider(`p${i}`, 0.9 + (i % 4) / 20, 90 + 8 * (i % 3), 84 + (i % 5)));
  const trained = new LinThompsonPolicy({ rng: createRng(21), maxFeatures: 8, scale: 1 });
  // p0 fails half the time: its shift belief adds a candidate-own variance to the draws.
  runMarket(trained, twelve, { failure: { p0: 0.5, p3: 0.2 } }, { steps: 400, seed: 6 });
  const snapshot = JSON.parse(JSON.stringify(trained.toJSON()));
  const restored = (seed: number, path: LinThompsonSamplingPath | undefined) => {
    const policy = LinThompsonPolicy.fromJSON(snapshot, { rng: createRng(seed) });
    forceLinThompsonSamplingPath(policy, path);
    return policy;
  };

  it("picks from the same joint distribution drawing weights as drawing the n×n covariance", () => {
    const rounds = 10_000;
    const tally = (policy: LinThompsonPolicy) => {
      const counts = new Array<number>(twelve.length).fill(0);
      let epsilon = 0;
      let epsilonSquares = 0;
      for (let r = 0; r < rounds; r++) {
        const choice = policy.choose(request(twelve));
        counts[choice.index]! += 1;
        epsilon += choice.epsilon;
        epsilonSquares += choice.epsilon * choice.epsilon;
      }
      const mean = epsilon / rounds;
      return { counts, mean, variance: epsilonSquares / rounds - mean * mean };
    };
    const joint = tally(restored(2, "candidates"));
    const weights = tally(restored(1, "weights"));
    // Two-sample χ² of the pick counts (equal sample sizes: Σ (a − b)²/(a + b)), the candidates
    // picked fewer than 40 times in both runs pooled into one cell.
    let statistic = 0;
    let cells = 0;
    let rareA = 0;
    let rareB = 0;
    for (let i = 0; i < twelve.length; i++) {
      const a = joint.counts[i]!;
      const b = weights.counts[i]!;
      if (a + b < 40) {
        rareA += a;
        rareB += b;
        continue;
      }
      statistic += ((a - b) * (a - b)) / (a + b);
      cells++;
    }
    if (rareA + rareB > 0) {
      statistic += ((rareA - rareB) * (rareA - rareB)) / (rareA + rareB);
      cells++;
    }
    // The draws spread over several candidates, so the comparison has something to see.
    expect(cells).toBeGreaterThanOrEqual(6);
    // χ² quantile at 1 − 10⁻⁶ (Wilson–Hilferty; z = 4.75): a true match fails one seed in a million.
    const df = cells - 1;
    const k = 2 / (9 * df);
    expect(statistic).toBeLessThan(df * (1 - k + 4.75 * Math.sqrt(k)) ** 3);
    // ε (1 − the best mean's propensity) is estimated from the same draws: same mean within 6 SE.
    const se = Math.sqrt((joint.variance + weights.variance) / rounds);
    expect(Math.abs(joint.mean - weights.mean)).toBeLessThan(6 * se);
  });

  it("draws by weights on its own when there are more candidates than features, and its propensities match its picks", () => {
    const auto = restored(3, undefined);
    const forced = restored(3, "weights");
    for (let r = 0; r < 50; r++) expect(auto.choose(request(twelve))).toEqual(forced.choose(request(twelve)));
    const count = new Array<number>(twelve.length).fill(0);
    const reported = new Array<number>(twelve.length).fill(0);
    const rounds = 3000;
    for (let r = 0; r < rounds; r++) {
      const choice = forced.choose(request(twelve));
      count[choice.index]! += 1;
      reported[choice.index]! += choice.probability;
    }
    for (let i = 0; i < twelve.length; i++) {
      if (count[i]! < 30) continue;
      expect(Math.abs(reported[i]! / count[i]! - count[i]! / rounds)).toBeLessThan(0.05);
    }
  });

  it("holds no n×n scratch for 3,000 candidates, and keeps little once decided", () => {
    const n = 3000;
    const many = Array.from({ length: n }, (_, i) => provider(`q${i}`, 0.5 + (i % 97) / 50, 50 + (i % 31) * 7, 60 + (i % 41)));
    const policy = new LinThompsonPolicy({ rng: createRng(3) });
    const choice = policy.choose(request(many));
    expect(choice.probability).toBeGreaterThan(0);
    const use = linThompsonScratchUse(policy);
    // O(n·nnz + maxFeatures²): ~275,000 entries. The n×n path held 4·(2n)² = 144,000,000.
    const bound = 100 * n + 2 * 256 * 256;
    expect(use.peak).toBeLessThan(bound);
    expect(use.kept).toBeLessThan(bound);
    // A list with features of its own draws by the n×n path, and still keeps only what it needs.
    policy.choose(request(many.slice(0, 200)));
    expect(linThompsonScratchUse(policy).kept).toBeLessThan(bound + 2 * 200 * 200);
  });
});

describe("LinThompsonPolicy with candidates that have features of their own", () => {
  // Pinned from the n×n covariance draw as it was before the weight path existed: [pick, wins
  // of the pick + 1, wins of the best mean (+ 1 if picked)] per decision, out of 101.
  it("draws exactly as before", () => {
    const eight = Array.from({ length: 8 }, (_, i) => provider(`p${i}`, 0.8 + i / 10, 80 + 10 * (i % 3), 70 + 3 * i));
    const a = new LinThompsonPolicy({ rng: createRng(11), crosses: ["region"] });
    runMarket(a, eight, { failure: { p2: 0.6, p5: 0.3 } }, { steps: 300, seed: 4, regions: ["us-west", "eu-central"] });
    const picksA = Array.from({ length: 12 }, (_, i) =>
      a.choose(request(eight, context(i % 2 ? "eu-central" : "us-west", 1 + i / 3))),
    );
    // maxFeatures 8 with six providers: 8 touched features in each model, n = 6 ≤ 8.
    const six = eight.slice(0, 6);
    const b = new LinThompsonPolicy({ rng: createRng(12), maxFeatures: 8, scale: 1 });
    runMarket(b, six, { failure: { p1: 0.4 } }, { steps: 200, seed: 5 });
    const picksB = Array.from({ length: 12 }, () => b.choose(request(six)));
    const summary = (choices: { index: number; probability: number; epsilon: number }[]) =>
      choices.map((c) => [c.index, c.probability * 101, (1 - c.epsilon) * 101].map((v) => Math.round(v * 1e9) / 1e9));
    expect(summary(picksA)).toEqual(PINNED_A);
    expect(summary(picksB)).toEqual(PINNED_B);
    expect(picksA.map((c) => c.epsilon)).toEqual(PINNED_EPSILON_A);
  });
});

const PINNED_A = [
  [1, 74, 74],
  [0, 83, 83],
  [0, 28, 72],
  [0, 78, 78],
  [1, 73, 73],
  [0, 89, 89],
  [0, 44, 57],
  [0, 88, 88],
  [0, 51, 51],
  [1, 6, 95],
  [0, 57, 57],
  [0, 96, 96],
];
const PINNED_B = [
  [5, 64, 64],
  [5, 73, 73],
  [4, 27, 66],
  [5, 61, 61],
  [5, 69, 69],
  [5, 68, 68],
  [5, 72, 72],
  [5, 72, 72],
  [4, 21, 69],
  [5, 75, 75],
  [5, 67, 67],
  [5, 77, 77],
];
const PINNED_EPSILON_A = [
  0.26732673267326734, 0.17821782178217827, 0.28712871287128716, 0.2277227722772277, 0.27722772277227725, 0.1188118811881188,
  0.4356435643564357, 0.12871287128712872, 0.49504950495049505, 0.05940594059405946, 0.4356435643564357, 0.04950495049504955,
];

// Pinned from a run: propensities are (1 + wins)/(100 + 1).
const EXPECTED_PICKS = [2, 1, 1, 1, 1, 1, 1, 0];
const EXPECTED_PROBABILITIES = [33, 56, 48, 55, 53, 56, 64, 26].map((wins) => wins / 101);
