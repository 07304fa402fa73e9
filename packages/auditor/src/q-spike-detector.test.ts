import { describe, expect, it } from "vitest";
import { QSpikeDetector } from "./q-spike-detector.js";

/** The peak never fades. */
const NO_FADE = Number.POSITIVE_INFINITY;

describe("QSpikeDetector", () => {
  it("raises nothing before minSamples updates were seen, however large the change", () => {
    const detector = new QSpikeDetector({ factor: 5, minSamples: 30, halfLife: NO_FADE });
    for (let i = 0; i < 29; i++) expect(detector.observe(1)).toBeUndefined();
    expect(detector.threshold).toBe(Number.POSITIVE_INFINITY);
    expect(detector.observe(1e9)).toBeUndefined();
    expect(detector.samples).toBe(30);
  });

  it("raises a change strictly above factor × the recent peak, returning that threshold", () => {
    const primed = () => {
      const detector = new QSpikeDetector({ factor: 5, minSamples: 30, halfLife: NO_FADE });
      for (let i = 0; i < 30; i++) detector.observe(i % 2 === 0 ? 1 : 0.2);
      return detector;
    };
    expect(primed().threshold).toBe(5);
    expect(primed().observe(5)).toBeUndefined();
    expect(primed().observe(5.001)).toBe(5);
  });

  it("fades the peak by half every halfLife updates", () => {
    const detector = new QSpikeDetector({ factor: 5, minSamples: 1, halfLife: 10 });
    detector.observe(8);
    for (let i = 0; i < 10; i++) detector.observe(1e-9);
    expect(detector.threshold).toBeCloseTo(5 * 4, 10);
    for (let i = 0; i < 10; i++) detector.observe(1e-9);
    expect(detector.threshold).toBeCloseTo(5 * 2, 10);
  });

  it("takes updates that moved nothing for no sample: a start of them does not leave a threshold of 0", () => {
    // A rule arm's updates (before === after) first, as in an A/B split: the peak was left at 0
    // and every ordinary change after them was a spike, for good.
    const detector = new QSpikeDetector({ factor: 5, minSamples: 30, halfLife: 350 });
    for (let i = 0; i < 30; i++) expect(detector.observe(0)).toBeUndefined();
    expect(detector.samples).toBe(0);
    const raised: number[] = [];
    for (let t = 0; t < 5000; t++) {
      if (detector.observe(t % 40 === 0 ? 2.8 : 0.05) !== undefined) raised.push(t);
      if (t % 3 === 0) expect(detector.observe(0)).toBeUndefined();
    }
    expect(raised).toEqual([]);
    expect(detector.samples).toBe(5000);
  });

  it("neither counts nor fades on updates that moved nothing", () => {
    const detector = new QSpikeDetector({ factor: 5, minSamples: 1, halfLife: 1 });
    detector.observe(2);
    for (let i = 0; i < 2000; i++) detector.observe(0);
    expect(detector.threshold).toBe(10);
    expect(detector.samples).toBe(1);
    expect(detector.observe(10.001)).toBe(10);
  });

  it("counts a spike clipped to its threshold, so a lasting change of scale is learned after a few flags", () => {
    const detector = new QSpikeDetector({ factor: 5, minSamples: 1, halfLife: NO_FADE });
    detector.observe(1);
    expect(detector.observe(100)).toBe(5);
    expect(detector.observe(100)).toBe(25);
    expect(detector.observe(100)).toBeUndefined();
    expect(detector.threshold).toBe(500);
  });

  it("does not flag ordinary failures among successes", () => {
    // |ΔQ| of a failure (reward −20 against Q ≈ 8, α = 0.1) is 2.8; successes move Q by ~0.05.
    const detector = new QSpikeDetector({ factor: 5, minSamples: 30, halfLife: 350 });
    const raised: number[] = [];
    for (let t = 0; t < 5000; t++) {
      const change = t % 40 === 0 ? 2.8 : 0.05;
      if (detector.observe(change) !== undefined) raised.push(t);
    }
    expect(raised).toEqual([]);
  });
});
