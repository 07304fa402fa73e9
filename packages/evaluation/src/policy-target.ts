import { ValidationError } from "@aurora/domain";
import type { Policy } from "@aurora/strategist";
import type { TargetPolicy } from "./target-policy.js";

export interface PolicyTargetOptions {
  /** Most `choose` calls per decision when the policy does not give its probabilities. Default 64. */
  samples?: number;
}

export const DEFAULT_CHOOSE_SAMPLES = 64;

/**
 * Any `Policy` (from `createPolicy(config)`) as a fixed target: `update` is never called, so a
 * learning policy is evaluated frozen at the state it was built with (e.g. from a snapshot).
 *
 * Its probabilities: a policy with a `probabilities(request)` method is asked directly. Where it
 * has none, or cannot state them for a request (it answers undefined: a split over `thompson`), `choose` is called repeatedly (up to `samples` times) with the policy's own seeded rng; each
 * call reports the exact probability of its pick (`Choice.probability`; a pick flagged as a lower
 * bound, `probabilityExact: false`, is left out), so the picks seen are
 * known exactly, and the sampling stops once they account for all the mass (at once for a
 * deterministic policy such as `rule`). Mass left over is shared equally by the candidates never
 * picked, which is exact for ε-greedy (every non-greedy candidate has ε/n) and an approximation
 * otherwise. A policy whose picks carry Monte Carlo estimates (`inverseProbability`: `thompson`,
 * `lin-thompson`) is sampled `samples` times and each candidate gets its share of the picks, an
 * estimate that improves with `samples`. `choose` counts decisions and advances the policy's
 * rng; neither changes what it would choose.
 */
export function policyTarget(policy: Policy, options: PolicyTargetOptions = {}): TargetPolicy {
  if (policy === null || typeof policy !== "object" || typeof policy.choose !== "function") {
    throw ValidationError.forField("policy", "must be a Policy (e.g. from createPolicy) with a choose(request) method");
  }
  const samples = options.samples ?? DEFAULT_CHOOSE_SAMPLES;
  if (!Number.isInteger(samples) || samples < 1) {
    throw ValidationError.forField("samples", `must be a whole number ≥ 1 (choose calls per decision), got ${String(samples)}`);
  }
  const explicit = typeof policy.probabilities === "function" ? policy.probabilities : undefined;
  return {
    name: policy.name,
    probabilities(request) {
      const stated = explicit?.call(policy, request);
      if (stated !== undefined) return stated;
      const n = request.candidates.length;
      const known = new Float64Array(n).fill(Number.NaN);
      let mass = 0;
      let seen = 0;
      for (let s = 0; s < samples && mass < 1 - 1e-9; s++) {
        const choice = policy.choose(request);
        // A Monte Carlo estimate (thompson, lin-thompson), not the pick's probability: count picks instead.
        if (choice.inverseProbability !== undefined) return pickShares(policy, request, samples, choice.index);
        // A lower bound (an A/B split whose other arm cannot state its chance) is not the pick's probability.
        if (choice.probabilityExact === false) continue;
        if (Number.isNaN(known[choice.index]!)) {
          known[choice.index] = choice.probability;
          mass += choice.probability;
          seen++;
        }
      }
      const share = seen < n ? Math.max(0, 1 - mass) / (n - seen) : 0;
      const out = Array.from(known, (p) => (Number.isNaN(p) ? share : p));
      // Reported probabilities that do not add up to 1 (a Monte Carlo policy's estimates, every
      // candidate seen) are rescaled rather than trusted blindly.
      const total = out.reduce((a, b) => a + b, 0);
      return total > 0 && Math.abs(total - 1) > 1e-9 ? out.map((p) => p / total) : out;
    },
  };
}

/**
 * Each candidate's share of `samples` picks, the first already made: an unbiased estimate of the
 * policy's probabilities whose error falls as 1/√samples, for a policy whose picks carry only Monte
 * Carlo estimates of their own probability. Those estimates, (1 + wins)/(M + 1) each, add up to
 * more than 1, so summing them as exact would stop before a rarely picked candidate was seen and
 * give it 0 whatever `samples` (a pick the target makes 1% of the time, weighed at 0).
 */
function pickShares(policy: Policy, request: Parameters<Policy["choose"]>[0], samples: number, first: number): number[] {
  const counts = new Array<number>(request.candidates.length).fill(0);
  counts[first] = 1;
  for (let s = 1; s < samples; s++) counts[policy.choose(request).index]! += 1;
  return counts.map((count) => count / samples);
}
