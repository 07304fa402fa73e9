import type { Outcome } from "@aurora/domain";

/** Running sums over accepted outcomes: constant memory however many arrive. */
export class OutcomeStats {
  #count = 0;
  #successes = 0;
  #costUsd = 0;
  #latencyMs = 0;

  add(outcome: Outcome): void {
    this.#count++;
    if (outcome.success) this.#successes++;
    this.#costUsd += outcome.actual_cost_usd;
    this.#latencyMs += outcome.actual_latency_ms;
  }

  get count(): number {
    return this.#count;
  }

  get successRate(): number {
    return this.#count === 0 ? 0 : this.#successes / this.#count;
  }

  get avgCostUsd(): number {
    return this.#count === 0 ? 0 : this.#costUsd / this.#count;
  }

  get avgLatencyMs(): number {
    return this.#count === 0 ? 0 : this.#latencyMs / this.#count;
  }
}
