import { describe, expect, it } from "vitest";
import { LearningCounters } from "./learning-counters.js";

describe("LearningCounters", () => {
  it("counts decisions, rewards and distinct states, and restores them", () => {
    const counters = new LearningCounters();
    counters.decided("a");
    counters.decided("a");
    counters.learned("__proto__", 4);
    counters.learned("b", 6);
    expect(counters.stats(0.1)).toEqual({ epsilon: 0.1, decision_count: 2, q_states: 3, avg_reward_100: 5, total_rewards: 2 });
    const copy = new LearningCounters();
    copy.restore(JSON.parse(JSON.stringify(counters.toJSON())));
    expect(copy.stats(0.1)).toEqual(counters.stats(0.1));
  });

  it("restores a snapshot that lists its state keys, as snapshots did before distinct_states, and counts them once", () => {
    const counters = new LearningCounters();
    counters.restore({ decision_count: 3, total_rewards: 0, reward_history: [], states: ["a", "b", "c"] });
    expect(counters.stats(0).q_states).toBe(3);
    counters.decided("b");
    counters.learned("d", 1);
    expect(counters.stats(0).q_states).toBe(4);
    const json = JSON.parse(JSON.stringify(counters.toJSON()));
    expect(json.states).toBeUndefined();
    expect(json.distinct_states.count).toBe(4);
  });

  it("refuses counts that do not add up, naming the field", () => {
    expect(() => new LearningCounters().restore({ decision_count: 1, total_rewards: 1, reward_history: [1, 2] })).toThrow(
      /^total_rewards: /,
    );
    expect(() =>
      new LearningCounters().restore({ decision_count: 1, total_rewards: 0, reward_history: [], states: [""] }),
    ).toThrow(/^states: /);
    expect(() =>
      new LearningCounters().restore({ decision_count: 1, total_rewards: 0, reward_history: [], distinct_states: { count: 1 } }),
    ).toThrow(/^distinct_states\.format: /);
  });
});
