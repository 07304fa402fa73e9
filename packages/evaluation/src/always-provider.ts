import { ValidationError } from "@aurora/domain";
import type { TargetPolicy } from "./target-policy.js";

/**
 * "Always provider X": X with probability 1 whenever it is a candidate; when it is not (filtered
 * out by constraints, or absent), uniform over the candidates, a choice with no preference.
 * Named `always:X`.
 */
export function alwaysProvider(providerId: string): TargetPolicy {
  if (typeof providerId !== "string" || providerId.length === 0) {
    throw ValidationError.forField("provider_id", "must be a non-empty provider id, e.g. always:meshcompute");
  }
  return {
    name: `always:${providerId}`,
    probabilities({ candidates }) {
      const index = candidates.findIndex((c) => c.provider_id === providerId);
      if (index < 0) return candidates.map(() => 1 / candidates.length);
      return candidates.map((_, i) => (i === index ? 1 : 0));
    },
  };
}
