import { ValidationError } from "@aurora/domain";
import type { Provider } from "@aurora/domain";
import type { ChooseRequest, RewardUpdate } from "./policy.js";

function requireStateKey(stateKey: unknown): asserts stateKey is string {
  if (typeof stateKey !== "string" || stateKey.length === 0) {
    throw ValidationError.forField("stateKey", 'must be a non-empty string such as "llm_inference:a100:us-west"');
  }
}

function requireProviderId(providerId: unknown, field: string): asserts providerId is string {
  if (typeof providerId !== "string" || providerId.length === 0) {
    throw ValidationError.forField(field, "must be a non-empty string (a provider id)");
  }
}

/**
 * Checks a `ChooseRequest`: a non-empty state key, at least one candidate, distinct non-empty
 * provider ids. `seen` is an optional reused scratch set.
 */
export function checkChooseRequest(request: ChooseRequest, seen: Set<string> = new Set()): void {
  requireStateKey(request?.stateKey);
  const candidates = request.candidates as readonly Provider[] | undefined;
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw ValidationError.forField("candidates", "must list at least one provider (filter by constraints first, then choose)");
  }
  seen.clear();
  for (let i = 0; i < candidates.length; i++) {
    const providerId = (candidates[i] as Provider | undefined)?.provider_id;
    requireProviderId(providerId, `candidates[${i}].provider_id`);
    if (seen.has(providerId)) {
      throw ValidationError.forField(`candidates[${i}].provider_id`, `duplicate provider_id "${providerId}": each candidate must appear once`);
    }
    seen.add(providerId);
  }
}

/** Checks a `RewardUpdate`: state key, provider id, a finite reward. */
export function checkRewardUpdate(update: RewardUpdate): void {
  requireStateKey(update?.stateKey);
  requireProviderId(update.provider?.provider_id, "provider.provider_id");
  if (typeof update.reward !== "number" || !Number.isFinite(update.reward)) {
    throw ValidationError.forField("reward", `must be a finite number, got ${String(update.reward)}`);
  }
}
