import { piecewise } from "@aurora/domain";
import type { Policy } from "./policy.js";

/**
 * What a composite policy (A/B split, shadow, guardrail) puts in its snapshot for an inner
 * policy: the inner policy's `snapshot()` where it has one — a cheap point-in-time copy that
 * writes itself in pieces wherever it sits in the document — else its `toJSON()`.
 */
export function innerSnapshot(policy: Policy): unknown {
  const copy = policy.snapshot?.();
  return copy === undefined ? policy.toJSON() : piecewise(copy as Record<string, unknown>);
}
