import type { Policy } from "./policy.js";

/**
 * What a composite policy (A/B split, shadow, guardrail) puts in its snapshot for an inner
 * policy: the inner policy's `snapshot()` where it has one — a cheap point-in-time copy whose
 * large parts write their own JSON pieces, which a snapshot writer reaches wherever they sit —
 * else its `toJSON()`.
 */
export function innerSnapshot(policy: Policy): unknown {
  return policy.snapshot?.() ?? policy.toJSON();
}
