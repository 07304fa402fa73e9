import type { Constraints, Context, Provider, ViolationType } from "@aurora/domain";
import { VIOLATION_TYPES } from "@aurora/domain";

// Bit i of a violation mask stands for VIOLATION_TYPES[i], so a mask lists violations in that order.
const PRICE = 1 << VIOLATION_TYPES.indexOf("price_exceeded");
const LATENCY = 1 << VIOLATION_TYPES.indexOf("latency_exceeded");
const REPUTATION = 1 << VIOLATION_TYPES.indexOf("reputation_too_low");
const REGION = 1 << VIOLATION_TYPES.indexOf("region_mismatch");
const GPU_TYPE = 1 << VIOLATION_TYPES.indexOf("gpu_type_mismatch");
const CAPACITY = 1 << VIOLATION_TYPES.indexOf("insufficient_capacity");
const COST = 1 << VIOLATION_TYPES.indexOf("cost_exceeded");

/**
 * The job's cost is a product of two floats (0.1 × 3 = 0.30000000000000004), so it may exceed
 * a budget it equals by a rounding error; differences below one part in a billion are not a violation.
 */
const COST_TOLERANCE = 1e-9;

/** Whether `list` holds `wantedLower` (already lower-cased), comparing after `toLowerCase()`. */
function includesIgnoringCase(list: readonly string[] | undefined, wantedLower: string): boolean {
  if (list === undefined) return false;
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as string;
    if (item === wantedLower || item.toLowerCase() === wantedLower) return true;
  }
  return false;
}

/**
 * The violations of `provider` as a bit mask (0 = compliant). Allocates nothing when the
 * lower-cased region and GPU type are passed in, which is how `partitionCandidates` stays cheap.
 *
 * Bounds are written as `!(value <= bound)` so that a NaN on either side counts as a violation:
 * a number that cannot be compared never passes a constraint.
 */
export function violationMask(
  provider: Provider,
  constraints: Constraints,
  jobHours: number,
  regionLower: string | undefined,
  gpuTypeLower: string | undefined,
): number {
  let mask = 0;
  const { max_price, max_latency_ms, min_reputation, gpu_hours, max_cost_usd } = constraints;
  if (max_price != null && !(provider.price_usd_per_hour <= max_price)) mask |= PRICE;
  if (max_latency_ms != null && !(provider.latency_ms <= max_latency_ms)) mask |= LATENCY;
  if (min_reputation != null && !(provider.reputation >= min_reputation)) mask |= REPUTATION;
  if (regionLower !== undefined && !includesIgnoringCase(provider.regions, regionLower)) mask |= REGION;
  if (gpuTypeLower !== undefined && !includesIgnoringCase(provider.gpu_types, gpuTypeLower)) mask |= GPU_TYPE;
  const capacity = provider.capacity_available;
  if (gpu_hours != null && capacity != null && !(capacity >= gpu_hours)) mask |= CAPACITY;
  if (max_cost_usd != null && !(provider.price_usd_per_hour * jobHours <= max_cost_usd * (1 + COST_TOLERANCE))) {
    mask |= COST;
  }
  return mask;
}

/** The violation types of a mask, in the order of `VIOLATION_TYPES`. */
export function violationsOf(mask: number): ViolationType[] {
  const violations: ViolationType[] = [];
  for (let i = 0; mask !== 0; i++, mask >>>= 1) {
    if ((mask & 1) !== 0) violations.push(VIOLATION_TYPES[i] as ViolationType);
  }
  return violations;
}

/** Hours the job runs, as `context.gpu_hours` (the schema's default of 1 when it is absent). */
export function jobHoursOf(context: Context): number {
  return context.gpu_hours ?? 1;
}

/**
 * Pure: the violations of `provider` against `constraints` for a job of `context.gpu_hours` hours,
 * in the order of `VIOLATION_TYPES`. Writes nothing.
 *
 * - `price_exceeded`: `price_usd_per_hour > max_price`
 * - `latency_exceeded`: `latency_ms > max_latency_ms`
 * - `reputation_too_low`: `reputation < min_reputation`
 * - `region_mismatch`: `constraints.region` is not in `provider.regions`
 * - `gpu_type_mismatch`: `constraints.gpu_type` is not in `provider.gpu_types`
 * - `insufficient_capacity`: `capacity_available < constraints.gpu_hours` (null/absent capacity = unlimited)
 * - `cost_exceeded`: `price_usd_per_hour × context.gpu_hours > max_cost_usd` (relative tolerance 1e-9)
 *
 * Region and GPU type compare case-insensitively: equal after `String.prototype.toLowerCase()`
 * (locale-independent), so `"US-West"` matches `"us-west"`. A NaN value never satisfies a bound.
 * `allow`/`deny` are not checked here: they are rules, not violations (see `partitionCandidates`).
 */
export function checkConstraints(provider: Provider, constraints: Constraints | undefined, context: Context): ViolationType[] {
  if (constraints === undefined) return [];
  const mask = violationMask(
    provider,
    constraints,
    jobHoursOf(context),
    constraints.region?.toLowerCase(),
    constraints.gpu_type?.toLowerCase(),
  );
  return violationsOf(mask);
}
