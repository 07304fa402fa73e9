import type { Provider, ViolationType } from "@aurora/domain";
import type { SimRequest } from "./sim-router.js";

/**
 * The constraint checks a simulation needs, kept local so the simulator does not depend on
 * @aurora/auditor. Names follow the domain's violation types.
 */
export function violationsOf(provider: Provider, request: Pick<SimRequest, "context" | "constraints">): ViolationType[] {
  const c = request.constraints;
  const found: ViolationType[] = [];
  if (c.max_price !== undefined && provider.price_usd_per_hour > c.max_price) found.push("price_exceeded");
  if (c.max_latency_ms !== undefined && provider.latency_ms > c.max_latency_ms) found.push("latency_exceeded");
  if (c.min_reputation !== undefined && provider.reputation < c.min_reputation) found.push("reputation_too_low");
  if (c.region !== undefined && !provider.regions.includes(c.region)) found.push("region_mismatch");
  if (c.gpu_type !== undefined && !provider.gpu_types.includes(c.gpu_type)) found.push("gpu_type_mismatch");
  const capacity = provider.capacity_available;
  if (c.gpu_hours !== undefined && capacity !== undefined && capacity !== null && capacity < c.gpu_hours) {
    found.push("insufficient_capacity");
  }
  if (c.max_cost_usd !== undefined && provider.price_usd_per_hour * request.context.gpu_hours > c.max_cost_usd) {
    found.push("cost_exceeded");
  }
  return found;
}

/** The request's providers that break none of its constraints, in request order. */
export function compliantProviders(request: SimRequest): Provider[] {
  return request.providers.filter((p) => violationsOf(p, request).length === 0);
}
