import { ValidationError } from "@aurora/domain";
import type { ChooseRequest } from "@aurora/strategist";
import type { TargetPolicy } from "./target-policy.js";

/** Provider ids an `AlwaysProvider` keeps of the candidates it was asked about, to suggest one for a typo. */
const KEPT_CANDIDATE_IDS = 10;

/**
 * "Always provider X": X with probability 1 whenever it is a candidate; when it is not (filtered
 * out by constraints, or absent), uniform over the candidates, a choice with no preference.
 * Named `always:X`. It counts the requests it answered and those where X was a candidate, so a
 * caller can tell a misspelt id (a candidate nowhere: the target is then uniform throughout, a
 * different policy from the one meant) from a real one.
 */
export class AlwaysProvider implements TargetPolicy {
  readonly name: string;
  readonly providerId: string;
  #requests = 0;
  #asCandidate = 0;
  readonly #candidateIds = new Set<string>();

  constructor(providerId: string) {
    if (typeof providerId !== "string" || providerId.length === 0) {
      throw ValidationError.forField("provider_id", "must be a non-empty provider id, e.g. always:meshcompute");
    }
    this.providerId = providerId;
    this.name = `always:${providerId}`;
  }

  probabilities({ candidates }: ChooseRequest): number[] {
    this.#requests++;
    const index = candidates.findIndex((c) => c.provider_id === this.providerId);
    if (index >= 0) {
      this.#asCandidate++;
      return candidates.map((_, i) => (i === index ? 1 : 0));
    }
    for (let i = 0; i < candidates.length && this.#candidateIds.size < KEPT_CANDIDATE_IDS; i++) {
      this.#candidateIds.add(candidates[i]!.provider_id);
    }
    return candidates.map(() => 1 / candidates.length);
  }

  /** Requests answered so far. */
  get requests(): number {
    return this.#requests;
  }

  /** Requests answered so far where the provider was a candidate. */
  get requestsAsCandidate(): number {
    return this.#asCandidate;
  }

  /** Up to 10 provider ids seen among the candidates of requests where the provider was not one. */
  otherCandidateIds(): string[] {
    return [...this.#candidateIds];
  }
}

/** `new AlwaysProvider(providerId)`: see {@link AlwaysProvider}. */
export function alwaysProvider(providerId: string): AlwaysProvider {
  return new AlwaysProvider(providerId);
}
