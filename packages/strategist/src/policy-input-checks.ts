import type { Provider } from "@aurora/domain";
import { hasDistinctProviderIds, MAX_REWARD_MAGNITUDE, ValidationError } from "@aurora/domain";
import type { ChooseRequest, RewardUpdate } from "./policy.js";

/**
 * The checks the rule and composite policies make on a `choose`/`estimate` request: a state
 * key and distinct candidate ids (the engine has validated the records themselves). Distinct ids
 * are checked as the engine's provider list is (`hasDistinctProviderIds`: pairwise for short
 * lists); the candidate at fault is looked for only once something is wrong.
 */
export function requireChooseRequest(request: ChooseRequest): void {
  if (typeof request?.stateKey !== "string" || request.stateKey.length === 0) {
    throw ValidationError.forField("stateKey", 'must be a non-empty string such as "llm_inference:a100:us-west"');
  }
  const candidates = request.candidates as readonly Provider[] | undefined;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw ValidationError.forField("candidates", "must list at least one provider (filter by constraints first, then choose)");
  }
  let named = true;
  for (let i = 0; i < candidates.length && named; i++) {
    const id = (candidates[i] as Provider | undefined)?.provider_id;
    named = typeof id === "string" && id.length > 0;
  }
  if (named && hasDistinctProviderIds(candidates)) return;
  // Something is wrong: name the first candidate at fault, in order.
  const seen = new Set<string>();
  for (let i = 0; i < candidates.length; i++) {
    const id = (candidates[i] as Provider | undefined)?.provider_id;
    if (typeof id !== "string" || id.length === 0) {
      throw ValidationError.forField(`candidates[${i}].provider_id`, "must be a non-empty string (a provider id)");
    }
    if (seen.has(id)) {
      throw ValidationError.forField(
        `candidates[${i}].provider_id`,
        `duplicate provider_id "${id}": each candidate must appear once`,
      );
    }
    seen.add(id);
  }
}

/** The checks on an `update`: a state key, a provider id and a finite reward. */
export function requireRewardUpdate(update: RewardUpdate): void {
  if (typeof update?.stateKey !== "string" || update.stateKey.length === 0) {
    throw ValidationError.forField("stateKey", 'must be a non-empty string such as "llm_inference:a100:us-west"');
  }
  const id = update.provider?.provider_id;
  if (typeof id !== "string" || id.length === 0) {
    throw ValidationError.forField("provider.provider_id", "must be a non-empty string (a provider id)");
  }
  requireReward(update.reward);
  // What a composite judges its pick by (the failure reward where the pick failed first): the same bounds.
  if (update.judgedReward !== undefined) requireReward(update.judgedReward, "judgedReward");
}

/**
 * A reward a policy can learn: finite and within ±`MAX_REWARD_MAGNITUDE` (1e16), so that the
 * values and regressions built from it stay finite (a reward of −1.8e308 overflowed them).
 */
export function requireReward(reward: unknown, field = "reward"): void {
  if (typeof reward !== "number" || !Number.isFinite(reward)) {
    throw ValidationError.forField(field, `must be a finite number, got ${String(reward)}`);
  }
  if (Math.abs(reward) > MAX_REWARD_MAGNITUDE) {
    throw ValidationError.forField(field, `must be within ±${MAX_REWARD_MAGNITUDE.toExponential()}, got ${reward}`);
  }
}
