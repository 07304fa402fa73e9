import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { Q_LEARNING_DEFAULTS, resolveQLearningOptions } from "./q-learning-options.js";

describe("resolveQLearningOptions", () => {
  it("fills in the seed's defaults", () => {
    expect(resolveQLearningOptions({})).toEqual({
      epsilon: 0.1,
      epsilonDecay: 0.995,
      epsilonMin: 0.01,
      alpha: 0.1,
      gamma: 0.95,
      initialQ: 0,
      maxProviders: 10_000,
    });
    expect(resolveQLearningOptions(undefined)).toEqual(Q_LEARNING_DEFAULTS);
  });

  it("keeps the options given and treats undefined as left out", () => {
    expect(resolveQLearningOptions({ alpha: 0.5, gamma: 0, initialQ: 15, epsilon: undefined })).toEqual({
      ...Q_LEARNING_DEFAULTS,
      alpha: 0.5,
      gamma: 0,
      initialQ: 15,
    });
  });

  describe("invalid", () => {
    it.each([
      ["epsilon", 1.5, /^epsilon: must be a number from 0 to 1 \(the exploration rate ε\), got 1\.5$/],
      ["epsilon", -0.1, /^epsilon: must be a number from 0 to 1/],
      ["epsilon", "0.1", /^epsilon: must be a number from 0 to 1 .*got "0\.1"$/],
      ["epsilonDecay", 0, /^epsilonDecay: must be a number greater than 0 and at most 1/],
      ["epsilonDecay", 1.01, /^epsilonDecay: /],
      ["epsilonMin", NaN, /^epsilonMin: must be a number from 0 to 1 .*got NaN$/],
      ["alpha", 0, /^alpha: must be a number greater than 0 and at most 1/],
      ["alpha", null, /^alpha: .*got null$/],
      ["gamma", 1, /^gamma: must be a number from 0 up to, but not including, 1/],
      ["initialQ", Infinity, /^initialQ: must be a number within ±1e16/],
      // Where learning cannot reach; 1.7e308 overflowed the first update to Infinity.
      ["initialQ", 1e17, /^initialQ: must be a number within ±1e16, as a reward is/],
    ])("rejects %s = %s, naming the option", (name, value, message) => {
      const attempt = () => resolveQLearningOptions({ [name]: value });
      expect(attempt).toThrow(ValidationError);
      expect(attempt).toThrow(message);
    });

    it("rejects an option it does not know, pointing a snake_case name to its camelCase twin", () => {
      expect(() => resolveQLearningOptions({ epsilon_decay: 0.9 })).toThrow(
        /^epsilon_decay: is not a q-learning option: did you mean epsilonDecay\? use epsilon, epsilonDecay, epsilonMin, alpha, gamma, initialQ, maxProviders$/,
      );
      expect(() => resolveQLearningOptions({ initial_q: 1 })).toThrow(/did you mean initialQ\?/);
      expect(() => resolveQLearningOptions({ temperature: 1 })).toThrow(/^temperature: is not a q-learning option: use /);
    });

    it("reports every bad option, each with its field", () => {
      try {
        resolveQLearningOptions({ alpha: 2, gamma: -1 }, "params");
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues.map((i) => i.field)).toEqual(["params.alpha", "params.gamma"]);
        expect((error as ValidationError).message).toMatch(/^params\.alpha: .*\(and 1 more problem\)$/);
      }
    });

    it("rejects options that are not an object", () => {
      expect(() => resolveQLearningOptions([0.1])).toThrow(/^\(root\): must be an object of q-learning options/);
      expect(() => resolveQLearningOptions("fast", "params")).toThrow(/^params: must be an object/);
    });
  });
});
