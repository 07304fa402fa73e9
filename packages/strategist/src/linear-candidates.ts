import type { Provider } from "@aurora/domain";
import type { CandidateEstimate, LinearOutcomeModel } from "./linear-outcome-model.js";
import { emptyEstimate } from "./linear-outcome-model.js";
import type { ChooseRequest, RewardUpdate } from "./policy.js";
import { SparseVector } from "./sparse-vector.js";

/** Per-candidate scratch, reused across calls. */
export class CandidateScratch {
  failureX: SparseVector[] = [];
  successX: SparseVector[] = [];
  estimates: CandidateEstimate[] = [];

  ensure(n: number): void {
    while (this.estimates.length < n) {
      this.failureX.push(new SparseVector());
      this.successX.push(new SparseVector());
      this.estimates.push(emptyEstimate());
    }
  }
}

/** Standard deviation of a candidate's expected reward (delta method over failure and success value). */
export function rewardSd(estimate: CandidateEstimate, failureReward: number): number {
  const spread = estimate.successValue - failureReward;
  const keep = 1 - estimate.failure;
  return Math.sqrt(
    spread * spread * estimate.failureSd * estimate.failureSd + keep * keep * estimate.successSd * estimate.successSd,
  );
}

/** Every candidate's expected reward, in order, without learning new features. */
export function estimateAll(model: LinearOutcomeModel, request: ChooseRequest, scratch: CandidateScratch): number[] {
  const n = request.candidates.length;
  scratch.ensure(n);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const estimate = scratch.estimates[i] as CandidateEstimate;
    model.estimate(
      request.context,
      request.candidates[i] as Provider,
      false,
      scratch.failureX[i] as SparseVector,
      scratch.successX[i] as SparseVector,
      estimate,
    );
    out[i] = estimate.value;
  }
  return out;
}

/** The expected reward of an update's provider for its job. */
export function estimateOne(model: LinearOutcomeModel, update: RewardUpdate, scratch: CandidateScratch): number {
  scratch.ensure(1);
  const estimate = scratch.estimates[0] as CandidateEstimate;
  model.estimate(
    update.context,
    update.provider,
    false,
    scratch.failureX[0] as SparseVector,
    scratch.successX[0] as SparseVector,
    estimate,
  );
  return estimate.value;
}
