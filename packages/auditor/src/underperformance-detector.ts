import { OutcomeWindow } from "./outcome-window.js";

export interface UnderperformanceOptions {
  /** Outcomes per provider in the sliding window. */
  window: number;
  /** A provider underperforms while its window's success rate is below this (0–1). */
  minSuccessRate: number;
  /** Outcomes the window must hold before a provider can be judged. */
  minOutcomes: number;
  /** Providers tracked at once; the least recently seen is forgotten beyond this. */
  maxProviders: number;
}

interface ProviderTrack {
  readonly providerId: string;
  readonly outcomes: OutcomeWindow;
  below: boolean;
  /** Neighbours in least-recently-seen order. */
  older: ProviderTrack | undefined;
  newer: ProviderTrack | undefined;
}

/**
 * Flags underperforming providers: over a provider's last `window` outcomes, holding at least
 * `minOutcomes`, the success rate is below `minSuccessRate`. It fires when the rate crosses
 * below, not on every outcome while it stays there; it can fire again only after the rate has
 * recovered strictly above `minSuccessRate` and then fallen below again.
 */
export class UnderperformanceDetector {
  readonly #options: UnderperformanceOptions;
  readonly #tracks = new Map<string, ProviderTrack>();
  /**
   * The tracks in least-recently-seen order, as a linked list: each outcome moves its provider's
   * to the newest end by relinking two neighbours, where moving it to the end of the map's order
   * took a delete and a set on every outcome (~5% of an in-process decide+feedback pair,
   * docs/benchmarks.md, thirteenth round).
   */
  #oldest: ProviderTrack | undefined;
  #newest: ProviderTrack | undefined;

  constructor(options: UnderperformanceOptions) {
    this.#options = options;
  }

  /** Providers currently tracked. */
  get trackedProviders(): number {
    return this.#tracks.size;
  }

  /** Feeds one outcome; returns the provider's window when this outcome made it cross below, else `undefined`. */
  observe(providerId: string, success: boolean): OutcomeWindow | undefined {
    let track = this.#tracks.get(providerId);
    if (track === undefined) {
      const leastRecent = this.#oldest;
      if (this.#tracks.size >= this.#options.maxProviders && leastRecent !== undefined) {
        this.#unlink(leastRecent);
        this.#tracks.delete(leastRecent.providerId);
      }
      track = { providerId, outcomes: new OutcomeWindow(this.#options.window), below: false, older: undefined, newer: undefined };
      this.#tracks.set(providerId, track);
      this.#linkNewest(track);
    } else if (track !== this.#newest) {
      this.#unlink(track);
      this.#linkNewest(track);
    }

    const { outcomes } = track;
    outcomes.push(success);
    if (outcomes.count < this.#options.minOutcomes) return undefined;
    const rate = outcomes.successRate;
    if (!track.below && rate < this.#options.minSuccessRate) {
      track.below = true;
      return outcomes;
    }
    if (track.below && rate > this.#options.minSuccessRate) track.below = false;
    return undefined;
  }

  #unlink(track: ProviderTrack): void {
    const { older, newer } = track;
    if (older === undefined) this.#oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.#newest = older;
    else newer.older = older;
    track.older = undefined;
    track.newer = undefined;
  }

  #linkNewest(track: ProviderTrack): void {
    const newest = this.#newest;
    track.older = newest;
    if (newest === undefined) this.#oldest = track;
    else newest.newer = track;
    this.#newest = track;
  }
}
