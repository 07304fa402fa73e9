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

/**
 * LinUCB's index of a candidate: expected reward + α·{@link rewardSd}, but never above the
 * index the candidate would have if it were not shifted (the slow model's failure probability
 * and spread alone). Learning whether a suspected outage is over can at best reveal the
 * unshifted provider, so the uncertainty about the shift state earns no bonus beyond it: a
 * provider suspected down (or falsely suspected after a few unlucky failures) is re-tried on
 * the jobs where it would win if it were up, not on every job its widened spread could reach.
 */
export function ucbIndex(estimate: CandidateEstimate, failureReward: number, alpha: number): number {
  const index = estimate.value + alpha * rewardSd(estimate, failureReward);
  const q = estimate.unshiftedFailure;
  const keep = 1 - q;
  const spread = estimate.successValue - failureReward;
  const unshiftedSd = Math.sqrt(
    spread * spread * estimate.unshiftedFailureSd * estimate.unshiftedFailureSd +
      keep * keep * estimate.successSd * estimate.successSd,
  );
  return Math.min(index, keep * estimate.successValue + q * failureReward + alpha * unshiftedSd);
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
