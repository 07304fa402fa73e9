/** State keys kept for reuse; past this many, keys are used as built (a market of very many states reuses little). */
const MAX_KEPT = 1024;

/**
 * One string per state key. `stateKey(context)` builds a new string for every decision, and the
 * decision archive and the audit trail keep each decision's key for 10,000 decisions: long enough
 * for every copy to be promoted out of the young generation. Handing them the first string built
 * for a key instead leaves each decision's own to die young. The lookup costs little: the hash a
 * `Map` computes for the new string stays cached in it for the policy's own lookup by that key.
 */
export class StateKeys {
  readonly #kept = new Map<string, string>();

  /** The string kept for `key` (equal to it), or `key` itself, kept if there is room. */
  intern(key: string): string {
    const kept = this.#kept.get(key);
    if (kept !== undefined) return kept;
    if (this.#kept.size < MAX_KEPT) this.#kept.set(key, key);
    return key;
  }
}
