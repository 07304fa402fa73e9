import type { Constraints, Context, Provider, ViolationType } from "@aurora/domain";
import { jobHoursOf, violationMask, violationsOf } from "./check-constraints.js";
import type { ExclusionRule } from "./exclusion-rule.js";
import { IdList } from "./exclusion-rule.js";

export interface Partition {
  /** Pass every constraint and rule, in input order. */
  compliant: Provider[];
  /** Pass the rules but break at least one constraint, in input order. */
  violating: { provider: Provider; violations: ViolationType[] }[];
  /** Removed by `allow`/`deny`, never choosable in any mode, in input order. */
  excluded: { provider: Provider; rule: ExclusionRule }[];
}

/**
 * Pure: splits candidates into compliant, violating and excluded, each in input order.
 * Writes no audit entries (the Python original wrote one per candidate).
 *
 * A provider in `deny` is excluded as `"denied"`; otherwise, when `allow` is given and does not
 * list it, as `"not_allowed"`. The rest are compliant when `checkConstraints` finds nothing.
 * Allocates only the result: no `Set` unless an allow/deny list is longer than 8 ids and there
 * are more than 32 candidates (below that a linear scan is cheaper).
 */
export function partitionCandidates(
  providers: readonly Provider[],
  constraints: Constraints | undefined,
  context: Context,
): Partition {
  if (constraints === undefined) return { compliant: providers.slice(), violating: [], excluded: [] };
  const compliant: Provider[] = [];
  const violating: Partition["violating"] = [];
  const excluded: Partition["excluded"] = [];
  const allow = constraints.allow === undefined ? undefined : new IdList(constraints.allow, providers.length);
  const deny = constraints.deny === undefined ? undefined : new IdList(constraints.deny, providers.length);
  const jobHours = jobHoursOf(context);
  const regionLower = constraints.region?.toLowerCase();
  const gpuTypeLower = constraints.gpu_type?.toLowerCase();
  for (let i = 0; i < providers.length; i++) {
    const provider = providers[i] as Provider;
    if (deny?.has(provider.provider_id)) {
      excluded.push({ provider, rule: "denied" });
    } else if (allow !== undefined && !allow.has(provider.provider_id)) {
      excluded.push({ provider, rule: "not_allowed" });
    } else {
      const mask = violationMask(provider, constraints, jobHours, regionLower, gpuTypeLower);
      if (mask === 0) compliant.push(provider);
      else violating.push({ provider, violations: violationsOf(mask) });
    }
  }
  return { compliant, violating, excluded };
}
