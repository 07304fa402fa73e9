import type { ChooseRequest } from "@aurora/strategist";
import type { DecisionLogLine } from "./decision-log-line.js";
import { TargetPolicyError } from "./errors.js";
import { type LoggedSample, PROBABILITY_SUM_TOLERANCE } from "./logged-sample.js";
import type { TargetPolicy } from "./target-policy.js";

/**
 * Replays the target over a logged decision's candidates (with its context and Ψ density) and
 * pairs its probabilities with the logged choice, propensity and reward. The line must carry a
 * reward. Throws `TargetPolicyError` when the target's answer is not a distribution.
 */
export function replayTarget(line: DecisionLogLine & { reward: number }, target: TargetPolicy): LoggedSample {
  const request: ChooseRequest = {
    stateKey: line.state_key,
    context: line.context,
    candidates: line.candidates,
    ...(line.psi_density !== null ? { psiDensity: line.psi_density } : {}),
  };
  const probabilities = target.probabilities(request);
  const n = line.candidates.length;
  if (!Array.isArray(probabilities) || probabilities.length !== n) {
    throw new TargetPolicyError(
      target.name,
      `returned ${Array.isArray(probabilities) ? probabilities.length : typeof probabilities} values for ${n} candidates`,
    );
  }
  let sum = 0;
  for (const p of probabilities) {
    if (!(p >= 0 && p <= 1)) throw new TargetPolicyError(target.name, `returned ${String(p)}, which is not a probability`);
    sum += p;
  }
  if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE)
    throw new TargetPolicyError(target.name, `returned probabilities summing to ${sum}`);
  return {
    stateKey: line.state_key,
    actions: line.candidates.map((c) => c.provider_id),
    chosen: line.candidates.findIndex((c) => c.provider_id === line.chosen),
    // What the pick earned: its failure when it failed first, though the job ended well on a fallback.
    reward: line.chosen_reward ?? line.reward,
    propensity: line.propensity,
    ...(line.inverse_propensity !== undefined ? { inversePropensity: line.inverse_propensity } : {}),
    target: probabilities,
  };
}
