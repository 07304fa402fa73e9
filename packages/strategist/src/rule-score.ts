import type { Provider, ValidationIssue } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import { isObject } from "./snapshot-fields.js";

export interface RuleWeights {
  price: number;
  latency: number;
  reputation: number;
  availability: number;
}

/** The rule policy's settings, all resolved. */
export interface RuleParams {
  weights: RuleWeights;
  /** Free GPU hours at which a provider counts as fully available. */
  fullAvailabilityGpuHours: number;
}

/** What a caller may set; each one left out takes its default. */
export interface RuleOptions {
  /** Default: aurora-router phase 1's 0.35 / 0.30 / 0.20 / 0.15. */
  weights?: Partial<RuleWeights>;
  /** Default 100. */
  fullAvailabilityGpuHours?: number;
}

/** aurora-router phase 1's weights. */
export const RULE_WEIGHTS: Readonly<RuleWeights> = Object.freeze({
  price: 0.35,
  latency: 0.3,
  reputation: 0.2,
  availability: 0.15,
});

export const RULE_DEFAULTS: Readonly<RuleParams> = Object.freeze({ weights: RULE_WEIGHTS, fullAvailabilityGpuHours: 100 });

// Floors that keep a free or zero-latency provider's score finite: 1 cent per GPU hour, 1 ms.
const MIN_PRICE = 0.01;
const MIN_LATENCY_MS = 1;

/**
 * The weighted score of aurora-router phase 1 (the simulator's `ruleScore`, same definition),
 * from the advertised record only: w.price / max(price_usd_per_hour, 0.01) + w.latency /
 * max(latency_ms, 1) + w.reputation · reputation / 100 + w.availability · availability, where
 * availability is 1 for unlimited capacity and min(1, capacity_available / fullAvailabilityGpuHours)
 * otherwise.
 */
export function ruleScore(provider: Provider, params: RuleParams = RULE_DEFAULTS): number {
  const w = params.weights;
  const capacity = provider.capacity_available;
  const full = params.fullAvailabilityGpuHours;
  const availability = capacity === undefined || capacity === null ? 1 : Math.min(1, capacity / full);
  return (
    w.price / Math.max(provider.price_usd_per_hour, MIN_PRICE) +
    w.latency / Math.max(provider.latency_ms, MIN_LATENCY_MS) +
    (w.reputation * provider.reputation) / 100 +
    w.availability * availability
  );
}

const weightNames = Object.keys(RULE_WEIGHTS) as (keyof RuleWeights)[];
const optionNames = ["weights", "fullAvailabilityGpuHours"];

/** Validates rule options and fills in defaults; every problem is reported, each naming its option. */
export function resolveRuleOptions(input: unknown, root?: string): RuleParams {
  const at = (name: string) => (root ? `${root}.${name}` : name);
  if (input === undefined) return { weights: { ...RULE_WEIGHTS }, fullAvailabilityGpuHours: 100 };
  if (!isObject(input))
    throw ValidationError.forField(root ?? "(root)", "must be an object of rule options such as { weights: { price: 0.5 } }");
  const issues: ValidationIssue[] = [];
  const weights = { ...RULE_WEIGHTS };
  let full = RULE_DEFAULTS.fullAvailabilityGpuHours;
  for (const [key, value] of Object.entries(input)) {
    if (!optionNames.includes(key)) {
      issues.push({ field: at(key), message: `is not a rule option: use ${optionNames.join(", ")}` });
    } else if (value === undefined) {
    } else if (key === "fullAvailabilityGpuHours") {
      if (typeof value === "number" && Number.isFinite(value) && value > 0) full = value;
      else
        issues.push({
          field: at(key),
          message: `must be a number greater than 0 (free GPU hours that count as fully available), got ${String(value)}`,
        });
    } else if (!isObject(value)) {
      issues.push({
        field: at(key),
        message: "must be an object such as { price: 0.35, latency: 0.3, reputation: 0.2, availability: 0.15 }",
      });
    } else {
      for (const [name, weight] of Object.entries(value)) {
        if (!(weightNames as string[]).includes(name)) {
          issues.push({ field: at(`weights.${name}`), message: `is not a rule weight: use ${weightNames.join(", ")}` });
        } else if (weight !== undefined) {
          if (typeof weight === "number" && Number.isFinite(weight) && weight >= 0) weights[name as keyof RuleWeights] = weight;
          else issues.push({ field: at(`weights.${name}`), message: `must be a finite number ≥ 0, got ${String(weight)}` });
        }
      }
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { weights, fullAvailabilityGpuHours: full };
}
