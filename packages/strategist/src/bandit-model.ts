import type { Context, Provider } from "@aurora/domain";
import type { ArmEstimate, ArmStatisticsSnapshot, StateArms } from "./arm-statistics.js";
import { ArmStatistics } from "./arm-statistics.js";
import type { RewardUpdate } from "./policy.js";
import type { PolicyRewardWeights } from "./reward-decomposition.js";
import { knownReward, succeeded, successPrior, successResidual } from "./reward-decomposition.js";

export interface BanditModelOptions {
  discount: number;
  priorFailureRate: number;
  priorStrength: number;
  rewardWeights: PolicyRewardWeights;
}

/** A candidate's value for one job under the bandits' model (see {@link BanditModel}). */
export interface BanditEstimate extends ArmEstimate {
  /** Posterior mean failure probability a/(a + b). */
  failure: number;
  /** Known part + advertised promise: the success value before the learned residual. */
  successBase: number;
  /** successBase + residual. */
  successValue: number;
  /** (1 − failure)·successValue + failure·failure_reward. */
  value: number;
  /** Standard deviation of one job's reward under the estimate: √((successValue − failure_reward)²·q(1 − q) + noise). */
  rewardSd: number;
}

export function emptyBanditEstimate(): BanditEstimate {
  return {
    failureA: 1,
    failureB: 1,
    residual: 0,
    residualVariance: 0,
    count: 0,
    noise: 0,
    failure: 0,
    successBase: 0,
    successValue: 0,
    value: 0,
    rewardSd: 0,
  };
}

/**
 * The non-contextual bandits' model (UCB1, Thompson sampling, softmax): per (state, provider)
 * arm, the failure probability and the success residual from {@link ArmStatistics}, combined
 * with the reward's known part for the job at hand — so the same arm is worth more for a
 * cheap job than for a dear one, without having to learn that.
 */
export class BanditModel {
  readonly statistics: ArmStatistics;
  readonly #weights: PolicyRewardWeights;

  constructor(options: BanditModelOptions) {
    this.statistics = new ArmStatistics(options);
    this.#weights = options.rewardWeights;
  }

  /** A candidate's value for one job in a state found with `statistics.stateArms` (undefined: no arms yet). */
  estimate(state: StateArms | undefined, context: Context, provider: Provider, out: BanditEstimate): void {
    const weights = this.#weights;
    this.statistics.estimate(state, provider.provider_id, out);
    const q = out.failureA / (out.failureA + out.failureB);
    out.failure = q;
    out.successBase = knownReward(context, provider, weights) + successPrior(provider, weights);
    out.successValue = out.successBase + out.residual;
    out.value = (1 - q) * out.successValue + q * weights.failure_reward;
    const spread = out.successValue - weights.failure_reward;
    out.rewardSd = Math.sqrt(spread * spread * q * (1 - q) + out.noise);
  }

  update(update: RewardUpdate): void {
    const failed = !succeeded(update, this.#weights);
    this.statistics.observe(
      update.stateKey,
      update.provider.provider_id,
      failed,
      failed ? 0 : successResidual(update, this.#weights),
    );
  }

  toJSON(): ArmStatisticsSnapshot {
    return this.statistics.toJSON();
  }

  restore(snapshot: unknown, field: string): void {
    this.statistics.restore(snapshot, field);
  }
}
