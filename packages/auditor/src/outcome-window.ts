/** The last `size` success/failure outcomes of one provider, with a running success count. */
export class OutcomeWindow {
  readonly #outcomes: Uint8Array;
  #next = 0;
  #count = 0;
  #successes = 0;

  constructor(size: number) {
    this.#outcomes = new Uint8Array(size);
  }

  /** Outcomes held (at most the window size). */
  get count(): number {
    return this.#count;
  }

  get successes(): number {
    return this.#successes;
  }

  /** Successes ÷ outcomes held; 0 when empty. */
  get successRate(): number {
    return this.#count === 0 ? 0 : this.#successes / this.#count;
  }

  push(success: boolean): void {
    const size = this.#outcomes.length;
    if (this.#count === size) this.#successes -= this.#outcomes[this.#next] as number;
    else this.#count++;
    const bit = success ? 1 : 0;
    this.#outcomes[this.#next] = bit;
    this.#successes += bit;
    this.#next = this.#next + 1 === size ? 0 : this.#next + 1;
  }
}
