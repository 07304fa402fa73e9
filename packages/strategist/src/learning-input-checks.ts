import { MAX_COST_USD, MAX_GPU_HOURS, MAX_LATENCY_MS, MAX_PRICE_USD_PER_HOUR, ValidationError } from "@aurora/domain";
import { effectiveEpsilon } from "./epsilon-greedy.js";
import type { ChooseRequest, RewardUpdate } from "./policy.js";
import { requireChooseRequest, requireRewardUpdate } from "./policy-input-checks.js";

/**
 * Checks what every policy relies on in a `ChooseRequest` (the engine has validated the
 * records themselves): a non-empty state key, at least one candidate, distinct non-empty
 * provider ids, a Ψ density in [0, 1]. Returns the exploration scale 1 − 0.5·d (1 without a
 * Ψ density): the seed's Ψ-aware rule, applied by the learning policies to whatever drives
 * their exploration.
 */
export function checkLearningChoose(request: ChooseRequest): number {
  requireChooseRequest(request);
  return effectiveEpsilon(1, request.psiDensity);
}

/**
 * Checks a `RewardUpdate`: state key, provider id, a reward a policy can learn, and the job's
 * numbers within the wire's bounds (`MAX_GPU_HOURS` and the rest), within which everything the
 * learning policies compute from them stays finite. The engine refuses requests beyond them; this
 * also covers a decision restored from a journal an older version wrote, and direct callers.
 * Checked before anything is learned.
 */
export function checkLearningUpdate(update: RewardUpdate): void {
  requireRewardUpdate(update);
  requireWithin(update.context?.gpu_hours, MAX_GPU_HOURS, "context.gpu_hours");
  requireWithin(update.provider.price_usd_per_hour, MAX_PRICE_USD_PER_HOUR, "provider.price_usd_per_hour");
  requireWithin(update.provider.latency_ms, MAX_LATENCY_MS, "provider.latency_ms");
  requireWithin(update.provider.reputation, 100, "provider.reputation");
  const outcome = update.outcome;
  if (outcome !== undefined) {
    requireWithin(outcome.actual_cost_usd, MAX_COST_USD, "outcome.actual_cost_usd");
    requireWithin(outcome.actual_latency_ms, MAX_LATENCY_MS, "outcome.actual_latency_ms");
  }
}

function requireWithin(value: unknown, max: number, field: string): void {
  if (typeof value === "number" && value >= 0 && value <= max) return;
  throw ValidationError.forField(
    field,
    `must be a number from 0 to ${max.toLocaleString("en-US")} (what a learning policy learns from stays finite within it), got ${String(value)}`,
  );
}
