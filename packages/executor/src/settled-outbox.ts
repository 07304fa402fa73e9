import { Fifo } from "./fifo.js";
import type { SettledDecision } from "./settled-decision.js";

/**
 * Settled decisions waiting to be handed to the caller, oldest first. Bounded: past `capacity`
 * the oldest is dropped and counted, so a caller that never drains cannot grow memory.
 */
const NONE: readonly SettledDecision[] = Object.freeze([]);

export class SettledOutbox {
  readonly #capacity: number;
  readonly #queue = new Fifo<SettledDecision>();
  #dropped = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  push(settled: SettledDecision): void {
    this.#queue.push(settled);
    if (this.#queue.size > this.#capacity) {
      this.#queue.shift();
      this.#dropped++;
    }
  }

  /** Returns every held decision, oldest first, and empties the outbox. */
  drain(): readonly SettledDecision[] {
    // Nothing settled is the usual answer, asked for on every decision and feedback: one shared empty array.
    return this.#queue.size === 0 ? NONE : this.#queue.drain();
  }

  get size(): number {
    return this.#queue.size;
  }

  get dropped(): number {
    return this.#dropped;
  }
}
