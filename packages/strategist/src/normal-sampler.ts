import type { Rng } from "@aurora/domain";

/**
 * Standard normal draws from a uniform source, by Marsaglia's polar method (a Box–Muller
 * variant without trigonometry): draw (u, v) uniform in the square [−1, 1)² until
 * 0 < s = u² + v² < 1, then u·√(−2 ln s / s) and v·√(−2 ln s / s) are two independent normals.
 * Both are used, which matters when a Thompson policy estimates its propensity from many
 * draws. The same rng from the same state gives the same sequence.
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
    let u: number;
    let v: number;
    let square: number;
    do {
      u = 2 * this.#rng() - 1;
      v = 2 * this.#rng() - 1;
      square = u * u + v * v;
    } while (square >= 1 || square === 0);
    const factor = Math.sqrt((-2 * Math.log(square)) / square);
    this.#spare = v * factor;
    this.#hasSpare = true;
    return u * factor;
  }
}
