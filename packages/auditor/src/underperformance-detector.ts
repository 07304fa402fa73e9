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
  readonly outcomes: OutcomeWindow;
  below: boolean;
}

/**
 * Flags underperforming providers: over a provider's last `window` outcomes, holding at least
 * `minOutcomes`, the success rate is below `minSuccessRate`. It fires when the rate crosses
 * below, not on every outcome while it stays there; it can fire again only after the rate has
 * recovered strictly above `minSuccessRate` and then fallen below again.
 */
export class UnderperformanceDetector {
  readonly #options: UnderperformanceOptions;
  /** In least-recently-seen order: each outcome moves its provider to the end. */
  readonly #tracks = new Map<string, ProviderTrack>();

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
      track = { outcomes: new OutcomeWindow(this.#options.window), below: false };
      if (this.#tracks.size >= this.#options.maxProviders) {
        const leastRecent = this.#tracks.keys().next().value as string;
        this.#tracks.delete(leastRecent);
      }
    } else {
      this.#tracks.delete(providerId);
    }
    this.#tracks.set(providerId, track);

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
}
