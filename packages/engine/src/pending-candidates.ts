import type { Provider } from "@aurora/domain";
import type { DecisionRecord } from "@aurora/executor";

/**
 * The candidates each pending decision chose among, kept in a snapshot for the decision log: a
 * decision still pending at a restart is logged when its outcome comes. Lists shared by several
 * decisions (the engine reuses a partition's list while the market is unchanged) are written once,
 * and so is each provider they hold.
 */
export interface PendingCandidates {
  /** Every provider in the lists, once. */
  providers: Provider[];
  /** Each distinct candidate list, as indices into `providers`. */
  lists: number[][];
  /** For the snapshot's `pending[i]`, the index of its list, or -1 when it is not known. */
  of: number[];
}

/** The snapshot's part for `pending`, or undefined when no candidates are known for any of them. */
export function pendingCandidatesToJSON(
  pending: readonly DecisionRecord[],
  candidatesOf: (decisionId: string) => readonly Provider[] | undefined,
): PendingCandidates | undefined {
  const providers: Provider[] = [];
  const providerIndex = new Map<Provider, number>();
  const lists: number[][] = [];
  const listIndex = new Map<readonly Provider[], number>();
  const of = new Array<number>(pending.length);
  let known = 0;
  for (let i = 0; i < pending.length; i++) {
    const candidates = candidatesOf((pending[i] as DecisionRecord).decision_id);
    if (candidates === undefined) {
      of[i] = -1;
      continue;
    }
    let list = listIndex.get(candidates);
    if (list === undefined) {
      list = lists.length;
      lists.push(
        candidates.map((provider) => {
          let index = providerIndex.get(provider);
          if (index === undefined) {
            index = providers.length;
            providers.push(provider);
            providerIndex.set(provider, index);
          }
          return index;
        }),
      );
      listIndex.set(candidates, list);
    }
    of[i] = list;
    known++;
  }
  return known > 0 ? { providers, lists, of } : undefined;
}

/**
 * The candidates a snapshot kept for its pending decisions, by decision id. A part that does not
 * have the shape `pendingCandidatesToJSON` writes (edited by hand, say) gives none, and says why:
 * the decisions it names then go unlogged, as before the part existed; nothing else depends on it.
 */
export function pendingCandidatesIn(snapshot: unknown): { byDecision: Map<string, readonly Provider[]>; problem?: string } {
  const byDecision = new Map<string, readonly Provider[]>();
  if (!snapshot || typeof snapshot !== "object") return { byDecision };
  const { pending, pending_candidates: part } = snapshot as { pending?: unknown; pending_candidates?: unknown };
  if (part === undefined) return { byDecision };
  const problem = shapeProblem(part, Array.isArray(pending) ? pending.length : 0);
  if (problem !== undefined) return { byDecision, problem: `the snapshot's pending_candidates ${problem}` };
  const { providers, lists, of } = part as PendingCandidates;
  const built = lists.map((list) => list.map((index) => providers[index] as Provider));
  (pending as DecisionRecord[]).forEach((record, i) => {
    const list = of[i] as number;
    if (list >= 0) byDecision.set(record.decision_id, built[list] as Provider[]);
  });
  return { byDecision };
}

function shapeProblem(part: unknown, pendingCount: number): string | undefined {
  if (!part || typeof part !== "object") return "is not an object";
  const { providers, lists, of } = part as Record<string, unknown>;
  if (!Array.isArray(providers) || !providers.every((p) => p && typeof p === "object" && typeof p.provider_id === "string")) {
    return "has no providers list of providers";
  }
  const index = (n: unknown, below: number, min = 0) => Number.isInteger(n) && (n as number) >= min && (n as number) < below;
  if (!Array.isArray(lists) || !lists.every((list) => Array.isArray(list) && list.every((n) => index(n, providers.length)))) {
    return "has lists that are not lists of provider indices";
  }
  if (!Array.isArray(of) || of.length !== pendingCount || !of.every((n) => index(n, lists.length, -1))) {
    return `has no list index (or -1) for each of the ${pendingCount} pending decisions`;
  }
  return undefined;
}
