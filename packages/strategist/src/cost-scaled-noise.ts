import { ValidationError } from "@aurora/domain";

/** Prior guess: variance a₀ (reward units²) for any job plus b₀ per squared USD of job cost (a 10% cost spread). */
const PRIOR_BASE = 0.05;
const PRIOR_PER_COST = 0.01;
/** Weight, in observations, of each of the prior's two pseudo-observations. */
const PRIOR_WEIGHT = 5;
const MIN_BASE = 1e-4;

export type CostScaledNoiseSnapshot = [s0: number, s1: number, s2: number, t0: number, t1: number];

/**
 * The noise variance of a successful job's reward residual, growing with the job's cost:
 * σ²(c) = a + b·c², c = price_usd_per_hour × gpu_hours. Real costs spread in proportion to
 * the job (a 10% spread of a $10 job is $1, of a $0.20 job 2 cents), so one variance for
 * every job would make big jobs look surprising and small ones look certain. a and b are a
 * discounted least-squares fit of squared prediction errors on (1, c²), starting from two
 * pseudo-observations of the prior guess.
 */
export class CostScaledNoise {
  readonly #discount: number;
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #t0 = 0;
  #t1 = 0;
  #base = PRIOR_BASE;
  #perCost = PRIOR_PER_COST;

  constructor(discount: number) {
    this.#discount = discount;
    this.#add(0, PRIOR_BASE, PRIOR_WEIGHT);
    this.#add(1, PRIOR_BASE + PRIOR_PER_COST, PRIOR_WEIGHT);
    this.#fit();
  }

  /** σ² for a job of cost `cost` USD. */
  variance(cost: number): number {
    return this.#base + this.#perCost * cost * cost;
  }

  /** Learns one squared prediction error of a job of cost `cost`. */
  observe(cost: number, error: number): void {
    const d = this.#discount;
    this.#s0 *= d;
    this.#s1 *= d;
    this.#s2 *= d;
    this.#t0 *= d;
    this.#t1 *= d;
    this.#add(cost * cost, error * error, 1);
    this.#fit();
  }

  toJSON(): CostScaledNoiseSnapshot {
    return [this.#s0, this.#s1, this.#s2, this.#t0, this.#t1];
  }

  restore(snapshot: unknown, field: string): void {
    if (
      !Array.isArray(snapshot) ||
      snapshot.length !== 5 ||
      !snapshot.every((v) => typeof v === "number" && Number.isFinite(v) && v >= 0) ||
      !((snapshot[0] as number) > 0)
    ) {
      throw ValidationError.forField(field, "must be five finite numbers ≥ 0, the first > 0 (a noise fit)");
    }
    [this.#s0, this.#s1, this.#s2, this.#t0, this.#t1] = snapshot as CostScaledNoiseSnapshot;
    this.#fit();
  }

  #add(costSquared: number, errorSquared: number, weight: number): void {
    this.#s0 += weight;
    this.#s1 += weight * costSquared;
    this.#s2 += weight * costSquared * costSquared;
    this.#t0 += weight * errorSquared;
    this.#t1 += weight * errorSquared * costSquared;
  }

  #fit(): void {
    const determinant = this.#s0 * this.#s2 - this.#s1 * this.#s1;
    let base = this.#t0 / this.#s0;
    let perCost = 0;
    if (determinant > 1e-12 * this.#s0 * this.#s2) {
      perCost = (this.#s0 * this.#t1 - this.#s1 * this.#t0) / determinant;
      base = (this.#t0 - perCost * this.#s1) / this.#s0;
      if (perCost < 0) {
        perCost = 0;
        base = this.#t0 / this.#s0;
      } else if (base < MIN_BASE) {
        base = MIN_BASE;
        perCost = this.#s1 > 0 ? Math.max(0, (this.#t1 - base * this.#s1) / this.#s2) : 0;
      }
    }
    this.#base = Math.max(MIN_BASE, base);
    this.#perCost = perCost;
  }
}
