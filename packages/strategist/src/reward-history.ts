/**
 * The most recent rewards, in a fixed ring (memory stays bounded), plus the count of every
 * reward ever learned.
 */
export class RewardHistory {
  readonly #ring: Float64Array;
  #next = 0;
  #size = 0;
  #total = 0;

  /** Starts from `recent` (oldest first; only the last `capacity` are kept), having learned `total` in all. */
  constructor(capacity: number, recent: readonly number[] = [], total = recent.length) {
    this.#ring = new Float64Array(capacity);
    const from = Math.max(0, recent.length - capacity);
    for (let i = from; i < recent.length; i++) this.push(recent[i] as number);
    this.#total = Math.max(total, this.#size);
  }

  /** Rewards learned in all, including those that fell out of the ring. */
  get total(): number {
    return this.#total;
  }

  push(reward: number): void {
    this.#ring[this.#next] = reward;
    this.#next = (this.#next + 1) % this.#ring.length;
    if (this.#size < this.#ring.length) this.#size++;
    this.#total++;
  }

  /** Mean of the last `count` rewards (fewer when fewer were learned); 0 when none. */
  meanOfLast(count: number): number {
    const n = Math.min(count, this.#size);
    if (n === 0) return 0;
    let sum = 0;
    let at = this.#next;
    for (let i = 0; i < n; i++) {
      at = at === 0 ? this.#ring.length - 1 : at - 1;
      sum += this.#ring[at] as number;
    }
    return sum / n;
  }

  /** The kept rewards, oldest first. */
  toArray(): number[] {
    const out = new Array<number>(this.#size);
    const start = (this.#next - this.#size + this.#ring.length) % this.#ring.length;
    for (let i = 0; i < this.#size; i++) out[i] = this.#ring[(start + i) % this.#ring.length] as number;
    return out;
  }
}
