import type { Rng } from "@aurora/domain";

/**
 * Standard normal draws from a uniform source, by the Box–Muller transform (as `normal()` in
 * @aurora/domain) but keeping both values of each pair: half the uniforms and logarithms per
 * draw, which matters when a Thompson policy estimates its propensity from many draws.
 * The same rng from the same state gives the same sequence.
 */
export class NormalSampler {
  readonly #rng: Rng;
  #spare = 0;
  #hasSpare = false;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  next(): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return this.#spare;
    }
    let u = 0;
    while (u === 0) u = this.#rng();
    const v = this.#rng();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * v;
    this.#spare = radius * Math.sin(angle);
    this.#hasSpare = true;
    return radius * Math.cos(angle);
  }
}
