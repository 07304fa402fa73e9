import type { Choice, ChooseRequest, Policy, RecordedChoice } from "./policy.js";

/**
 * Repeats a recorded decision's effect on `policy`: its `replay` where it has one, else `choose`
 * on the same request, the pick discarded (the recorded one stands). See `Policy.replay`.
 */
export function replayDecision(policy: Policy, request: ChooseRequest, recorded: RecordedChoice): Choice | undefined {
  return policy.replay ? policy.replay(request, recorded) : policy.choose(request);
}

/**
 * The part of a recorded choice an inner policy is replayed with: its own tag, its pick where
 * known, and the ε reported where its pick was the one played.
 */
export function innerRecord(tag: string | undefined, providerId?: string, epsilon?: number): RecordedChoice {
  const recorded: RecordedChoice = {};
  if (tag !== undefined) recorded.tag = tag;
  if (providerId !== undefined) recorded.providerId = providerId;
  if (epsilon !== undefined) recorded.epsilon = epsilon;
  return recorded;
}
