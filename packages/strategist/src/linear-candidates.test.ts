import { describe, expect, it } from "vitest";
import { rewardSd, ucbIndex } from "./linear-candidates.js";
import type { CandidateEstimate } from "./linear-outcome-model.js";
import { emptyEstimate } from "./linear-outcome-model.js";

const FAILURE_REWARD = -20;

/** An estimate with failure probability `q` (sd `qSd`) mixed from an unshifted `slow` (sd `slowSd`). */
function estimate(q: number, qSd: number, slow: number, slowSd: number): CandidateEstimate {
  const e = emptyEstimate();
  e.failure = q;
  e.failureSd = qSd;
  e.unshiftedFailure = slow;
  e.unshiftedFailureSd = slowSd;
  e.successValue = 8;
  e.successSd = 0.5;
  e.value = (1 - q) * e.successValue + q * FAILURE_REWARD;
  return e;
}

describe("ucbIndex", () => {
  it("is expected reward + α·(its standard deviation) for a candidate with no shift", () => {
    const e = estimate(0.05, 0.02, 0.05, 0.02);
    expect(ucbIndex(e, FAILURE_REWARD, 1.5)).toBeCloseTo(e.value + 1.5 * rewardSd(e, FAILURE_REWARD), 12);
  });

  it("never exceeds the index the candidate would have unshifted: a suspected outage earns no bonus beyond it", () => {
    // P(shift) = 0.3 of a 90% failure rate over a 5% one: the state's uncertainty widens the spread a lot.
    const p = 0.3;
    const q = (1 - p) * 0.05 + p * 0.9;
    const suspected = estimate(q, Math.sqrt(p * (1 - p)) * 0.85, 0.05, 0.01);
    const uncapped = suspected.value + rewardSd(suspected, FAILURE_REWARD);
    const unshifted = estimate(0.05, 0.01, 0.05, 0.01);
    const bound = unshifted.value + rewardSd(unshifted, FAILURE_REWARD);
    expect(uncapped).toBeGreaterThan(bound + 1);
    expect(ucbIndex(suspected, FAILURE_REWARD, 1)).toBeCloseTo(bound, 12);
  });

  it("keeps the lower index of a candidate whose shift makes it look worse", () => {
    const p = 0.9;
    const q = (1 - p) * 0.05 + p * 0.9;
    const down = estimate(q, 0.05, 0.05, 0.01);
    expect(ucbIndex(down, FAILURE_REWARD, 1)).toBeCloseTo(down.value + rewardSd(down, FAILURE_REWARD), 12);
  });
});
