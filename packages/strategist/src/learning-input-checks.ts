import type { Provider } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import { effectiveEpsilon } from "./epsilon-greedy.js";
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
 * Checks what every policy relies on in a `ChooseRequest` (the engine has validated the
 * records themselves): a non-empty state key, at least one candidate, distinct non-empty
 * provider ids, a Ψ density in [0, 1]. `seen` is a reused scratch set. Returns the
 * exploration scale 1 − 0.5·d (1 without a Ψ density): the seed's Ψ-aware rule, applied by
 * the learning policies to whatever drives their exploration.
 */
export function checkLearningChoose(request: ChooseRequest, seen: Set<string>): number {
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
      throw ValidationError.forField(
        `candidates[${i}].provider_id`,
        `duplicate provider_id "${providerId}": each candidate must appear once`,
      );
    }
    seen.add(providerId);
  }
  return effectiveEpsilon(1, request.psiDensity);
}

/** Checks a `RewardUpdate`: state key, provider id, a finite reward. */
export function checkLearningUpdate(update: RewardUpdate): void {
  requireStateKey(update?.stateKey);
  requireProviderId(update.provider?.provider_id, "provider.provider_id");
  if (typeof update.reward !== "number" || !Number.isFinite(update.reward)) {
    throw ValidationError.forField("reward", `must be a finite number, got ${String(update.reward)}`);
  }
}
