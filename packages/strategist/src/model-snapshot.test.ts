import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { parseModelSnapshot, REWARD_HISTORY_LIMIT } from "./model-snapshot.js";
import { Q_LEARNING_DEFAULTS } from "./q-learning-options.js";

const pythonFile = {
  q_table: { "llm:a100:us-west": { akash: 1.5, ionet: -2 } },
  epsilon: 0.05,
  decision_count: 12,
  reward_history: [8, -20, 7.5],
};

function fieldOf(snapshot: unknown): string {
  try {
    parseModelSnapshot(snapshot);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

describe("parseModelSnapshot", () => {
  it("reads the Python engine's four keys, with default params and total = history length", () => {
    expect(parseModelSnapshot(pythonFile)).toEqual({
      params: Q_LEARNING_DEFAULTS,
      epsilon: 0.05,
      decisionCount: 12,
      rewardHistory: [8, -20, 7.5],
      totalRewards: 3,
      qTable: pythonFile.q_table,
    });
  });

  it("reads our keys and ignores top-level keys it does not know", () => {
    const state = parseModelSnapshot({
      ...pythonFile,
      format: "aurora-model",
      version: 1,
      policy: "q-learning",
      params: { alpha: 0.3 },
      total_rewards: 40,
      pending: [],
      saved_at: "2025-01-01T00:00:00.000Z",
    });
    expect(state.params).toEqual({ ...Q_LEARNING_DEFAULTS, alpha: 0.3 });
    expect(state.totalRewards).toBe(40);
  });

  it(`keeps only the last ${REWARD_HISTORY_LIMIT} rewards of an unbounded Python history, counting all`, () => {
    const history = Array.from({ length: 2500 }, (_, i) => i);
    const state = parseModelSnapshot({ ...pythonFile, reward_history: history });
    expect(state.rewardHistory).toHaveLength(REWARD_HISTORY_LIMIT);
    expect(state.rewardHistory[0]).toBe(1500);
    expect(state.totalRewards).toBe(2500);
  });

  it("reads __proto__ as an ordinary state and provider id", () => {
    const snapshot = JSON.parse('{"q_table":{"__proto__":{"__proto__":3}},"epsilon":0.1,"decision_count":0,"reward_history":[]}');
    const state = parseModelSnapshot(snapshot);
    expect(Object.entries(state.qTable)).toEqual([["__proto__", expect.anything()]]);
    expect(Object.entries(Object.entries(state.qTable)[0]![1])).toEqual([["__proto__", 3]]);
  });

  describe("invalid", () => {
    it("names the Q-value that is not a finite number", () => {
      expect(fieldOf({ ...pythonFile, q_table: { "a:b:c": { akash: "high" } } })).toBe('q_table["a:b:c"].akash');
      expect(fieldOf({ ...pythonFile, q_table: { "a:b:c": { "io.net": null } } })).toBe('q_table["a:b:c"]["io.net"]');
      expect(
        fieldOf(JSON.parse('{"q_table":{"s":{"__proto__":"x"}},"epsilon":0.1,"decision_count":0,"reward_history":[]}')),
      ).toBe("q_table.s.__proto__");
    });

    it("names a Q-value beyond what rewards within ±1e16 can reach (an update would overflow it)", () => {
      // γ 0.95 (the default): 1e16 / 0.05 = 2e17 at most (a hair under, in floating point).
      expect(() =>
        parseModelSnapshot({ ...pythonFile, q_table: { "a:b:c": { akash: 1.99e17, ionet: -1.99e17 } } }),
      ).not.toThrow();
      const huge = { ...pythonFile, q_table: { "a:b:c": { akash: 1.7e308 } } };
      expect(fieldOf(huge)).toBe('q_table["a:b:c"].akash');
      expect(() => parseModelSnapshot(huge)).toThrow(/must be a number within ±2\.000e\+17 \(a Q-value/);
      expect(fieldOf({ ...pythonFile, q_table: { "a:b:c": { akash: -3e17 } } })).toBe('q_table["a:b:c"].akash');
    });

    it("names a state whose row is not an object", () => {
      expect(fieldOf({ ...pythonFile, q_table: { "a:b:c": [1, 2] } })).toBe('q_table["a:b:c"]');
    });

    it("names empty state keys and provider ids", () => {
      expect(fieldOf({ ...pythonFile, q_table: { "": {} } })).toBe('q_table[""]');
      expect(fieldOf({ ...pythonFile, q_table: { s: { "": 1 } } })).toBe('q_table.s[""]');
    });

    it.each([
      [{ ...pythonFile, q_table: undefined }, "q_table"],
      [{ ...pythonFile, epsilon: 1.2 }, "epsilon"],
      [{ ...pythonFile, epsilon: undefined }, "epsilon"],
      [{ ...pythonFile, decision_count: 1.5 }, "decision_count"],
      [{ ...pythonFile, decision_count: -1 }, "decision_count"],
      [{ ...pythonFile, reward_history: "none" }, "reward_history"],
      [{ ...pythonFile, reward_history: [1, null] }, "reward_history[1]"],
      [{ ...pythonFile, total_rewards: 2 }, "total_rewards"],
      [{ ...pythonFile, format: "pickle" }, "format"],
      [{ ...pythonFile, version: 2 }, "version"],
      [{ ...pythonFile, policy: "ucb" }, "policy"],
      [{ ...pythonFile, params: { alpha: 7 } }, "params.alpha"],
      [[], "(root)"],
      [null, "(root)"],
    ])("rejects %j, naming %s", (snapshot, field) => {
      expect(fieldOf(snapshot)).toBe(field);
    });

    it("tells the reader of a newer file to upgrade", () => {
      expect(() => parseModelSnapshot({ ...pythonFile, version: 2 })).toThrow(
        "version: is 2, but this @aurora/strategist reads version 1: upgrade it to read this file",
      );
    });
  });
});
