import type { Provider } from "@aurora/domain";
import { createRng } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { context, provider } from "../test/learning-market.js";
import { resolveLinUcbOptions } from "./lin-ucb-policy.js";
import type { LinearModelParams } from "./linear-model-options.js";
import type { CandidateEstimate } from "./linear-outcome-model.js";
import { emptyEstimate, LinearOutcomeModel } from "./linear-outcome-model.js";
import { emptyShiftBelief } from "./shift-detector.js";
import { SparseVector } from "./sparse-vector.js";

/** akash on a 1-hour job: known part −1 + 0.9, promise 10 − 0.2, so a reward of 9.7 is a residual of 0. */
const akash = provider("akash", 1, 100, 90);
const job = context();
const EXPECTED_REWARD = 9.7;

function create(options: Partial<LinearModelParams> = {}): LinearOutcomeModel {
  return new LinearOutcomeModel(resolveLinUcbOptions(options));
}

function learn(model: LinearOutcomeModel, reward: number): void {
  model.update({ stateKey: "llm:a100:us-west", context: job, provider: akash, reward });
}

/** The slow model's residual for akash's job, without any shift mixed in. */
function slowResidual(model: LinearOutcomeModel): number {
  const x = new SparseVector();
  model.features.success(job, akash, x, false);
  return model.successModel.predict(x);
}

function estimate(model: LinearOutcomeModel): CandidateEstimate {
  const out = emptyEstimate();
  model.estimate(job, akash, false, new SparseVector(), new SparseVector(), out);
  return out;
}

/** 30 successes around the expected reward (±0.05), then 6 that cost 1.6 more (a latency spike). */
function spike(model: LinearOutcomeModel): void {
  for (let i = 0; i < 30; i++) learn(model, EXPECTED_REWARD + (i % 2 === 0 ? 0.05 : -0.05));
  for (let i = 0; i < 6; i++) learn(model, EXPECTED_REWARD - 1.6);
}

/** 20 failures, then 40 successes at the expected reward. */
function failuresThenSuccesses(model: LinearOutcomeModel): void {
  for (let i = 0; i < 20; i++) learn(model, -20);
  for (let i = 0; i < 40; i++) learn(model, EXPECTED_REWARD);
}

describe("LinearOutcomeModel", () => {
  describe("a shift of the success residual", () => {
    it("is left to the shift detector's estimate, not folded into the slow model", () => {
      const model = create();
      spike(model);
      expect(estimate(model).successValue).toBeCloseTo(EXPECTED_REWARD - 1.6, 1);
      expect(Math.abs(slowResidual(model))).toBeLessThan(0.01);
    });

    it("is learned by the slow model as it comes when shift detection is off", () => {
      const model = create({ shiftHalfLife: 0 });
      spike(model);
      expect(slowResidual(model)).toBeLessThan(-0.2);
      expect(estimate(model).successValue).toBeCloseTo(EXPECTED_REWARD + slowResidual(model), 9);
    });
  });

  describe("forgetting", () => {
    it("forgets failures at failureDiscount per learned reward", () => {
      const quick = create({ failureDiscount: 0.9, discount: 1 });
      const never = create({ failureDiscount: 1, discount: 1 });
      failuresThenSuccesses(quick);
      failuresThenSuccesses(never);
      expect(estimate(quick).unshiftedFailure).toBeLessThan(0.05);
      expect(estimate(never).unshiftedFailure).toBeGreaterThan(0.3);
    });

    it("does not forget failures at the success model's discount", () => {
      const quick = create({ failureDiscount: 1, discount: 0.9 });
      const never = create({ failureDiscount: 1, discount: 1 });
      failuresThenSuccesses(quick);
      failuresThenSuccesses(never);
      expect(estimate(quick).unshiftedFailure).toBe(estimate(never).unshiftedFailure);
    });
  });

  describe("a provider the model has barely seen", () => {
    /**
     * Providers of reputation 70, 80 and 90 that fail 12%, 6% and 1% of their jobs: the shared
     * reputation feature then puts a newcomer of reputation 95 below 0%, give or take a point or two.
     * `outcomes` are its own first jobs (true: failed); returns P(it is shifted) after them.
     */
    function shiftAfter(outcomes: boolean[]): number {
      const model = create();
      const rates: [Provider, number][] = [
        [provider("low", 1, 100, 70), 0.12],
        [provider("mid", 1, 100, 80), 0.06],
        [provider("high", 1, 100, 90), 0.01],
      ];
      for (let i = 0; i < 3_000; i++) {
        const [p, rate] = rates[i % 3] as [Provider, number];
        const failed = ((i * 7919) % 1000) / 1000 < rate;
        model.update({ stateKey: "llm:a100:us-west", context: job, provider: p, reward: failed ? -20 : 9 });
      }
      const newcomer = provider("newcomer", 1, 100, 95);
      for (const failed of outcomes) {
        model.update({ stateKey: "llm:a100:us-west", context: job, provider: newcomer, reward: failed ? -20 : 9.5 });
      }
      const belief = emptyShiftBelief();
      model.shifts.belief("newcomer", belief);
      return belief.failureShift;
    }

    it("is not taken for down after one failure among its first five jobs", () => {
      // Judged against the point estimate clipped at 0, that failure read as an outage: P = 1.000.
      expect(shiftAfter([false, false, false, false, true])).toBeLessThan(0.2);
    });

    it("is still taken for down after a run of failures", () => {
      expect(shiftAfter([false, false, false, false, true, true, true, true])).toBeGreaterThan(0.9);
    });
  });
});

describe("LinearOutcomeModel.estimateAhead", () => {
  /** Providers 0–4 are learned; 5–7 are new. Regions: the first two learned, the third new. */
  const POOL = [
    provider("akash", 1.2, 100, 90),
    provider("ionet", 1, 90, 80),
    provider("vast", 1.1, 80, 85),
    provider("lambda", 2, 40, 95),
    provider("runpod", 0.8, 150, 70),
    provider("fresh-a", 0.9, 70, 60),
    provider("fresh-b", 1.4, 200, 99),
    provider("fresh-c", 0.7, 120, 75),
  ];
  const REGIONS = ["us-west", "eu-central", "ap-south"];

  interface Seen {
    estimate: CandidateEstimate;
    failure: [number, number][];
    success: [number, number][];
  }

  function entries(x: SparseVector): [number, number][] {
    return Array.from({ length: x.nnz }, (_, k) => [x.index[k] as number, x.value[k] as number]);
  }

  const setup = fc.record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    steps: fc.integer({ min: 0, max: 80 }),
    maxFeatures: fc.oneof(fc.integer({ min: 8, max: 24 }), fc.constant(256)),
    crosses: fc.subarray(["region", "gpu_type", "workload_type"] as const),
    ids: fc.uniqueArray(fc.integer({ min: 0, max: POOL.length - 1 }), { minLength: 1, maxLength: POOL.length }),
    region: fc.constantFrom(...REGIONS),
    gpuHours: fc.double({ min: 0.1, max: 50, noNaN: true }),
  });

  it("gives estimate-with-intern's features and numbers to the bit, candidate after candidate, and creates nothing", () => {
    fc.assert(
      fc.property(setup, ({ seed, steps, maxFeatures, crosses, ids, region, gpuHours }) => {
        const options = { maxFeatures, crosses: [...crosses] };
        const trained = create(options);
        const rng = createRng(seed);
        for (let s = 0; s < steps; s++) {
          const chosen = POOL[Math.floor(rng() * 5)] as Provider;
          const job = context(REGIONS[s % 2], 1 + (s % 3));
          const success = rng() >= 0.1;
          trained.update({
            stateKey: "k",
            context: job,
            provider: chosen,
            reward: success ? 9 + rng() - chosen.price_usd_per_hour * job.gpu_hours : -20,
            outcome: { success, actual_cost_usd: 1, actual_latency_ms: chosen.latency_ms },
          });
        }
        const snapshot = JSON.parse(JSON.stringify(trained.toJSON()));
        const previewed = create(options);
        previewed.restore(snapshot, "model");
        const interned = create(options);
        interned.restore(snapshot, "model");
        const job = context(region, gpuHours);
        const room = previewed.featureRoom();
        const ahead: Seen[] = [];
        const created: Seen[] = [];
        for (const i of ids) {
          const candidate = POOL[i] as Provider;
          const [fx, sx, out] = [new SparseVector(), new SparseVector(), emptyEstimate()];
          previewed.estimateAhead(job, candidate, room, fx, sx, out);
          ahead.push({ estimate: out, failure: entries(fx), success: entries(sx) });
          const [fy, sy, made] = [new SparseVector(), new SparseVector(), emptyEstimate()];
          interned.estimate(job, candidate, true, fy, sy, made);
          created.push({ estimate: made, failure: entries(fy), success: entries(sy) });
        }
        for (let k = 0; k < ids.length; k++) {
          const [a, c] = [ahead[k] as Seen, created[k] as Seen];
          expect(a.failure).toEqual(c.failure);
          expect(a.success).toEqual(c.success);
          for (const field of Object.keys(c.estimate) as (keyof CandidateEstimate)[]) {
            expect(
              Object.is(a.estimate[field], c.estimate[field]),
              `${field}: ${a.estimate[field]} vs ${c.estimate[field]}`,
            ).toBe(true);
          }
        }
        expect(room).toEqual({ failure: interned.features.failureDimension, success: interned.features.successDimension });
        expect(JSON.stringify(previewed.toJSON())).toBe(JSON.stringify(snapshot));
      }),
      { numRuns: 300 },
    );
  });
});
