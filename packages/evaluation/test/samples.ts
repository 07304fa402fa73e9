import type { LoggedSample } from "../src/logged-sample.js";

/**
 * A four-decision log in one state with two providers. The logging policy picks "a" with
 * probability 0.8 and "b" with 0.2; "a" earned 10 and 6, "b" earned 4 and 2. The target
 * always picks "a", whose true mean here is 8.
 */
export function tinyLog(target: readonly number[] = [1, 0]): LoggedSample[] {
  const sample = (chosen: number, reward: number): LoggedSample => ({
    stateKey: "llm_inference:a100:us-west",
    actions: ["a", "b"],
    chosen,
    reward,
    propensity: chosen === 0 ? 0.8 : 0.2,
    target,
  });
  return [sample(0, 10), sample(1, 4), sample(0, 6), sample(1, 2)];
}
