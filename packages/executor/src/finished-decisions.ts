import { Fifo } from "./fifo.js";

/** What became of a decision that left the pending log. */
export type Finished = { readonly kind: "feedback" } | { readonly kind: "settled"; readonly settledAt: number };

export const FEEDBACK_RECEIVED: Finished = Object.freeze({ kind: "feedback" });

/**
 * The bounded memory of finished decision ids, so that a duplicate or late outcome gets a precise
 * error. First in, first out: past `capacity` ids the oldest is forgotten (and then reads as unknown).
 */
export class FinishedDecisions {
  readonly #capacity: number;
  readonly #byId = new Map<string, Finished>();
  /** The remembered ids in the order they finished; each id appears once. */
  readonly #order = new Fifo<string>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Remembers how a decision finished; an id already remembered keeps its place in the order. */
  remember(decisionId: string, finished: Finished): void {
    if (this.#capacity === 0) return;
    const known = this.#byId.has(decisionId);
    this.#byId.set(decisionId, finished);
    if (known) return;
    this.#order.push(decisionId);
    if (this.#byId.size > this.#capacity) this.#byId.delete(this.#order.shift() as string);
  }

  get(decisionId: string): Finished | undefined {
    return this.#byId.get(decisionId);
  }

  has(decisionId: string): boolean {
    return this.#byId.has(decisionId);
  }

  get size(): number {
    return this.#byId.size;
  }
}
