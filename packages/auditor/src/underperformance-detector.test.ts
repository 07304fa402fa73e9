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
});
