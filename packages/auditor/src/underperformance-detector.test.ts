import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UnderperformanceDetector } from "./underperformance-detector.js";

/** Feeds `outcomes` ("S" success, "F" failure) for one provider; returns the 0-based positions that fired. */
function firings(detector: UnderperformanceDetector, outcomes: string, providerId = "p"): number[] {
  const fired: number[] = [];
  [...outcomes].forEach((o, i) => {
    if (detector.observe(providerId, o === "S") !== undefined) fired.push(i);
  });
  return fired;
}

const options = { window: 10, minOutcomes: 5, minSuccessRate: 0.5, maxProviders: 100 };

/**
 * The detector's rule written plainly: a provider's last `window` outcomes, kept for the
 * `maxProviders` most recently seen (a `Map` in the order they were last seen); `observe`
 * returns the success rate when the provider crosses below `minSuccessRate`, else `undefined`.
 */
class ReferenceDetector {
  readonly #held = new Map<string, { outcomes: boolean[]; below: boolean }>();
  constructor(readonly settings: { window: number; minOutcomes: number; minSuccessRate: number; maxProviders: number }) {}

  get tracked(): number {
    return this.#held.size;
  }

  observe(id: string, success: boolean): number | undefined {
    const { window, minOutcomes, minSuccessRate, maxProviders } = this.settings;
    let track = this.#held.get(id);
    if (track === undefined) {
      if (this.#held.size >= maxProviders) this.#held.delete(this.#held.keys().next().value as string);
      track = { outcomes: [], below: false };
    } else this.#held.delete(id);
    this.#held.set(id, track);
    track.outcomes = [...track.outcomes, success].slice(-window);
    if (track.outcomes.length < minOutcomes) return undefined;
    const rate = track.outcomes.filter(Boolean).length / track.outcomes.length;
    if (!track.below && rate < minSuccessRate) {
      track.below = true;
      return rate;
    }
    if (track.below && rate > minSuccessRate) track.below = false;
    return undefined;
  }
}

describe("UnderperformanceDetector", () => {
  it("waits for minOutcomes before judging a provider", () => {
    expect(firings(new UnderperformanceDetector(options), "FFFF")).toEqual([]);
    expect(firings(new UnderperformanceDetector(options), "FFFFF")).toEqual([4]);
  });

  it("fires once when the rate crosses below, not on every outcome while it stays there", () => {
    expect(firings(new UnderperformanceDetector(options), "SSSSSFFFFFFFFFFFFFFF")).toEqual([10]);
  });

  it("returns the window that crossed", () => {
    const detector = new UnderperformanceDetector(options);
    expect(firings(detector, "SSSSSFFFFF")).toEqual([]); // 5/10 is not below 0.5
    const window = detector.observe("p", false);
    expect(window?.count).toBe(10);
    expect(window?.successes).toBe(4);
  });

  it("fires again only after the rate recovered strictly above the minimum and fell again", () => {
    const detector = new UnderperformanceDetector(options);
    // 0–4 FFFFF: fires at 4 (0/5). 5–10 SSSSSS: 5/10 at 9, then 6/10 at 10 (recovered).
    // 11–16 FFFFFF: the window drops its old failures first (6/10), then successes: 5/10 at 15, 4/10 at 16.
    expect(firings(detector, "FFFFF" + "SSSSSS" + "FFFFFF")).toEqual([4, 16]);
  });

  it("does not treat a return to exactly the minimum as recovery", () => {
    const detector = new UnderperformanceDetector(options);
    // As above with one success fewer: the rate only returns to 5/10 before falling to 4/10 at 15.
    expect(firings(detector, "FFFFF" + "SSSSS" + "FFFFFF")).toEqual([4]);
  });

  it("keeps a window per provider, __proto__ included", () => {
    const detector = new UnderperformanceDetector(options);
    expect(firings(detector, "FFFF", "__proto__")).toEqual([]);
    expect(firings(detector, "SSSSSSSS", "constructor")).toEqual([]);
    expect(firings(detector, "F", "__proto__")).toEqual([0]);
    expect(detector.trackedProviders).toBe(2);
  });

  it("forgets the least recently seen provider beyond maxProviders", () => {
    const detector = new UnderperformanceDetector({ window: 3, minOutcomes: 3, minSuccessRate: 0.5, maxProviders: 2 });
    firings(detector, "FF", "a");
    firings(detector, "F", "b");
    firings(detector, "F", "c"); // forgets a
    expect(firings(detector, "F", "a")).toEqual([]);
    expect(detector.trackedProviders).toBe(2);

    const refreshed = new UnderperformanceDetector({ window: 3, minOutcomes: 3, minSuccessRate: 0.5, maxProviders: 2 });
    firings(refreshed, "F", "a");
    firings(refreshed, "F", "b");
    firings(refreshed, "F", "a");
    firings(refreshed, "F", "c"); // forgets b: a was seen more recently
    expect(firings(refreshed, "F", "a")).toEqual([0]);
  });

  it("fires as the least-recently-seen reference does, for any sequence of outcomes and any maxProviders", () => {
    const ids = ["a", "b", "c", "d", "e", "f"];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.constantFrom(...ids), fc.boolean()), { maxLength: 400 }),
        (maxProviders, outcomes) => {
          const settings = { window: 4, minOutcomes: 2, minSuccessRate: 0.5, maxProviders };
          const detector = new UnderperformanceDetector(settings);
          const reference = new ReferenceDetector(settings);
          for (const [id, success] of outcomes) {
            expect(detector.observe(id, success)?.successRate).toBe(reference.observe(id, success));
            expect(detector.trackedProviders).toBe(reference.tracked);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
