import type { Outcome } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";

/** What `OutcomeStats.toJSON` writes: [outcomes, successes, Σ actual_cost_usd, Σ actual_latency_ms]. */
export type OutcomeStatsJson = [count: number, successes: number, costUsd: number, latencyMs: number];

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

  toJSON(): OutcomeStatsJson {
    return [this.#count, this.#successes, this.#costUsd, this.#latencyMs];
  }

  /** Replaces the sums with what `toJSON` wrote; `field` names the part in the error when it is not that. */
  restore(json: unknown, field: string): void {
    const ok =
      Array.isArray(json) &&
      json.length === 4 &&
      json.every((v) => typeof v === "number" && Number.isFinite(v) && v >= 0) &&
      Number.isSafeInteger(json[0]) &&
      Number.isSafeInteger(json[1]) &&
      (json[1] as number) <= (json[0] as number);
    if (!ok) {
      throw ValidationError.forField(
        field,
        "must be [outcomes, successes ≤ outcomes, total cost in USD, total latency in ms], finite numbers ≥ 0",
      );
    }
    [this.#count, this.#successes, this.#costUsd, this.#latencyMs] = json as OutcomeStatsJson;
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
