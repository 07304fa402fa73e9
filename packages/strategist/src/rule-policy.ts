import type { Provider } from "@aurora/domain";
import { MODEL_FORMAT, MODEL_VERSION, REWARD_HISTORY_LIMIT } from "./model-snapshot.js";
import type { Choice, ChooseRequest, Policy, RewardUpdate, StrategistStats, UpdateResult } from "./policy.js";
import { requireChooseRequest, requireRewardUpdate } from "./policy-input-checks.js";
import { RewardHistory } from "./reward-history.js";
import type { RuleOptions, RuleParams } from "./rule-score.js";
import { resolveRuleOptions, ruleScore } from "./rule-score.js";
import { own, requireCount, requireRewards, requireSnapshotHead } from "./snapshot-fields.js";

/** The rule policy's snapshot: its settings and counts (it learns nothing else). */
export interface RuleSnapshot {
  format: typeof MODEL_FORMAT;
  version: typeof MODEL_VERSION;
  policy: "rule";
  params: RuleParams;
  decision_count: number;
  total_rewards: number;
  reward_history: number[];
}

/**
 * aurora-router phase 1's weighted-score rule router as a policy (registry kind `"rule"`):
 * the candidate with the highest {@link ruleScore} wins, the first on a tie, with probability 1.
 * `estimate` is the score itself, so the engine's alternatives are ranked as the rule ranks them.
 * It never learns; `update` only counts rewards for `stats()`.
 */
export class RulePolicy implements Policy {
  readonly name = "rule" as const;
  readonly #params: RuleParams;
  #rewards = new RewardHistory(REWARD_HISTORY_LIMIT);
  #decisionCount = 0;

  constructor(options: RuleOptions = {}) {
    this.#params = resolveRuleOptions(options);
  }

  get params(): RuleParams {
    return { weights: { ...this.#params.weights }, fullAvailabilityGpuHours: this.#params.fullAvailabilityGpuHours };
  }

  choose(request: ChooseRequest): Choice {
    requireChooseRequest(request);
    const { candidates } = request;
    let index = 0;
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < candidates.length; i++) {
      const score = ruleScore(candidates[i] as Provider, this.#params);
      if (score > best) {
        best = score;
        index = i;
      }
    }
    this.#decisionCount++;
    return {
      index,
      providerId: (candidates[index] as Provider).provider_id,
      mode: "exploit",
      estimate: best,
      epsilon: 0,
      probability: 1,
    };
  }

  /** 1 for the candidate `choose` picks (the highest score, the first on a tie), 0 for the others. */
  probabilities(request: ChooseRequest): number[] {
    const scores = this.estimate(request);
    let index = 0;
    let best = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < scores.length; i++) {
      if ((scores[i] as number) > best) {
        best = scores[i] as number;
        index = i;
      }
    }
    return scores.map((_, i) => (i === index ? 1 : 0));
  }

  estimate(request: ChooseRequest): number[] {
    requireChooseRequest(request);
    return request.candidates.map((candidate) => ruleScore(candidate, this.#params));
  }

  update(update: RewardUpdate): UpdateResult {
    requireRewardUpdate(update);
    if (update.attempt !== true) this.#rewards.push(update.reward);
    const score = ruleScore(update.provider, this.#params);
    return { before: score, after: score };
  }

  stats(): StrategistStats {
    return {
      epsilon: 0,
      decision_count: this.#decisionCount,
      q_states: 0,
      avg_reward_100: this.#rewards.meanOfLast(100),
      total_rewards: this.#rewards.total,
    };
  }

  toJSON(): RuleSnapshot {
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      policy: this.name,
      params: this.params,
      decision_count: this.#decisionCount,
      total_rewards: this.#rewards.total,
      reward_history: this.#rewards.toArray(),
    };
  }

  /** Restores a snapshot; settings come from its `params`, each overridden by `options`. */
  static fromJSON(snapshot: unknown, options: RuleOptions = {}): RulePolicy {
    const value = requireSnapshotHead(snapshot, "rule");
    resolveRuleOptions(options);
    const saved = resolveRuleOptions(own(value, "params"), "params");
    const policy = new RulePolicy({
      weights: { ...saved.weights, ...definedEntries(options?.weights ?? {}) },
      fullAvailabilityGpuHours: options?.fullAvailabilityGpuHours ?? saved.fullAvailabilityGpuHours,
    });
    const history = requireRewards(own(value, "reward_history"), "reward_history");
    const total = requireCount(own(value, "total_rewards"), "total_rewards");
    policy.#decisionCount = requireCount(own(value, "decision_count"), "decision_count");
    policy.#rewards = new RewardHistory(REWARD_HISTORY_LIMIT, history, total);
    return policy;
  }
}

function definedEntries<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}
