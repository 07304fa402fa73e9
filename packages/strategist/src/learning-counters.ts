import { ValidationError } from "@aurora/domain";
import type { DistinctStatesJson } from "./distinct-states.js";
import { DistinctStates } from "./distinct-states.js";
import { REWARD_HISTORY_LIMIT } from "./model-snapshot.js";
import type { StrategistStats } from "./policy.js";
import { RewardHistory } from "./reward-history.js";
import { requireCount, requireRewards } from "./snapshot-fields.js";

/** The counts every learning policy reports in `stats()` and keeps in its snapshot. */
export interface LearningCountersSnapshot {
  decision_count: number;
  total_rewards: number;
  /** The last rewards learned, oldest first, at most 1,000. */
  reward_history: number[];
}

/** Decisions made, rewards learned (the last 1,000 kept) and distinct states seen (counted by fingerprint, see `DistinctStates`). */
export class LearningCounters {
  decisionCount = 0;
  #rewards = new RewardHistory(REWARD_HISTORY_LIMIT);
  #states = new DistinctStates();

  /** Counts one decision in `stateKey`. */
  decided(stateKey: string): void {
    this.decisionCount++;
    this.#states.add(stateKey);
  }

  learned(stateKey: string, reward: number): void {
    this.#rewards.push(reward);
    this.#states.add(stateKey);
  }

  /** The seed's status keys; `states` overrides the count of distinct states seen. */
  stats(epsilon: number, states = this.#states.size): StrategistStats {
    return {
      epsilon,
      decision_count: this.decisionCount,
      q_states: states,
      avg_reward_100: this.#rewards.meanOfLast(100),
      total_rewards: this.#rewards.total,
    };
  }

  toJSON(): LearningCountersSnapshot & { distinct_states: DistinctStatesJson } {
    return {
      decision_count: this.decisionCount,
      total_rewards: this.#rewards.total,
      reward_history: this.#rewards.toArray(),
      distinct_states: this.#states.toJSON(),
    };
  }

  /**
   * Restores the counts of a snapshot (its top-level `decision_count`, `total_rewards`,
   * `reward_history`, and `distinct_states` or, as snapshots before it kept them, `states`: every
   * state key).
   */
  restore(snapshot: Record<string, unknown>): void {
    const own = (key: string) => (Object.hasOwn(snapshot, key) ? snapshot[key] : undefined);
    const history = requireRewards(own("reward_history"), "reward_history");
    const total = requireCount(own("total_rewards"), "total_rewards");
    if (total < Math.min(history.length, REWARD_HISTORY_LIMIT)) {
      throw ValidationError.forField("total_rewards", "must be at least the number of rewards in reward_history");
    }
    this.decisionCount = requireCount(own("decision_count"), "decision_count");
    this.#rewards = new RewardHistory(REWARD_HISTORY_LIMIT, history, total);
    const distinct = own("distinct_states");
    if (distinct !== undefined) this.#states = DistinctStates.fromJSON(distinct, "distinct_states");
    const states = own("states");
    if (states !== undefined) {
      if (!Array.isArray(states) || !states.every((s) => typeof s === "string" && s.length > 0)) {
        throw ValidationError.forField("states", "must be an array of non-empty state keys");
      }
      for (const s of states as string[]) this.#states.add(s);
    }
  }
}
