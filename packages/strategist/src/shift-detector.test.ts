import { describe, expect, it } from "vitest";
import type { ShiftBelief, ShiftDetectorOptions, ShiftDetectorSnapshot } from "./shift-detector.js";
import { emptyShiftBelief, ShiftDetector } from "./shift-detector.js";

function belief(detector: ShiftDetector, providerId: string): ShiftBelief {
  const out: ShiftBelief = emptyShiftBelief();
  detector.belief(providerId, out);
  return out;
}

/** The failure probability the detector's belief gives, mixing in a slow prediction of 5%. */
function failure(detector: ShiftDetector, providerId: string, slow = 0.05): number {
  const b = belief(detector, providerId);
  return (1 - b.failureShift) * slow + b.failureShift * b.shiftedRate;
}

/** A provider with a normal record: 60 outcomes, 3 failures, as a 5% model expects. */
function withRecord(options: ShiftDetectorOptions = { halfLife: 600, successHalfLife: 300, prior: 0.0002 }): ShiftDetector {
  const detector = new ShiftDetector(options);
  for (let i = 0; i < 60; i++) detector.observe("mesh", i % 20 === 7, 0.05, 0, 0.05);
  return detector;
}

describe("ShiftDetector", () => {
  it("barely moves on one ordinary failure", () => {
    const detector = withRecord();
    detector.observe("mesh", true, 0.05, 0, 0.05);
    expect(failure(detector, "mesh")).toBeLessThan(0.07);
  });

  it("takes a few failures in a row for an outage", () => {
    const detector = withRecord();
    const after: number[] = [];
    for (let i = 0; i < 4; i++) {
      detector.observe("mesh", true, 0.05, 0, 0.05);
      after.push(failure(detector, "mesh"));
    }
    // 5% expected: 1 failure → 5.2%, 2 → 6.7%, 3 → 18%, 4 in a row → 54%.
    expect(after.map((q) => Math.round(q * 1000) / 1000)).toEqual([0.052, 0.067, 0.184, 0.54]);
  });

  it("lets the belief fade as time passes without news of the provider, so it is tried again", () => {
    const detector = withRecord();
    for (let i = 0; i < 5; i++) detector.observe("mesh", true, 0.05, 0, 0.05);
    const fresh = belief(detector, "mesh").failureShift;
    for (let i = 0; i < 600; i++) detector.observe("other", false, 0.05, 0, 0.05);
    expect(belief(detector, "mesh").failureShift).toBeCloseTo(fresh / 2, 9);
  });

  it("stays finite for a provider back after a silence so long that its successes weigh 0 in floating point", () => {
    // 1,100 half-lives: 2^-1100 underflows to 0 (at the defaults, ~330,000 learned rewards).
    const detector = withRecord({ halfLife: 600, successHalfLife: 1, prior: 0.0002 });
    for (let i = 0; i < 1_100; i++) detector.observe("other", false, 0.05, 0, 0.05);
    detector.observe("mesh", true, 0.05, 0, 0.05);
    const after = belief(detector, "mesh");
    for (const [field, value] of Object.entries(after)) expect([field, Number.isFinite(value)]).toEqual([field, true]);
    // Its successes tell nothing now: no shift of its residual is believed.
    expect(after.successShift).toBeLessThan(0.01);
    detector.observe("mesh", false, 0.05, 0, 0.05);
    for (const [field, value] of Object.entries(belief(detector, "mesh")))
      expect([field, Number.isFinite(value)]).toEqual([field, true]);
  });

  it("brings an outage straight back when the provider fails again after a long silence", () => {
    const detector = withRecord();
    for (let i = 0; i < 5; i++) detector.observe("mesh", true, 0.05, 0, 0.05);
    for (let i = 0; i < 600; i++) detector.observe("other", false, 0.05, 0, 0.05);
    expect(belief(detector, "mesh").failureShift).toBeLessThan(0.6);
    detector.observe("mesh", true, 0.05, 0, 0.05);
    // The outage simply went on: one more failure, not a new outage to detect from scratch.
    expect(belief(detector, "mesh").failureShift).toBeGreaterThan(0.85);
    expect(failure(detector, "mesh")).toBeGreaterThan(0.75);
  });

  it("reads a success after an outage and a silence as the outage having ended", () => {
    const detector = withRecord();
    for (let i = 0; i < 8; i++) detector.observe("mesh", true, 0.05, 0, 0.05);
    for (let i = 0; i < 300; i++) detector.observe("other", false, 0.05, 0, 0.05);
    detector.observe("mesh", false, 0.05, 0, 0.05);
    // Not "an outage that fails 8 times in 9" (about 80%): most likely back to the slow model's 5%.
    expect(failure(detector, "mesh")).toBeLessThan(0.25);
  });

  it("keeps a provider that failed for a long time shifted while its outcomes say so", () => {
    const detector = withRecord();
    for (let i = 0; i < 30; i++) {
      detector.observe("mesh", true, 0.05, 0, 0.05);
      for (let j = 0; j < 20; j++) detector.observe("other", false, 0.05, 0, 0.05);
    }
    expect(belief(detector, "mesh").failureShift).toBeGreaterThan(0.95);
  });

  it("fades a shift of the success residual with its own half-life", () => {
    const detector = withRecord();
    for (let i = 0; i < 3; i++) detector.observe("mesh", false, 0.05, -1.6, 0.02);
    for (let i = 0; i < 5; i++) detector.observe("mesh", true, 0.05, 0, 0.05);
    const fresh = belief(detector, "mesh");
    for (let i = 0; i < 300; i++) detector.observe("other", false, 0.05, 0, 0.05);
    const later = belief(detector, "mesh");
    expect(later.successShift).toBeCloseTo(fresh.successShift / 2, 9);
    expect(later.failureShift).toBeCloseTo(fresh.failureShift / Math.SQRT2, 9);
  });

  it("detects a latency spike from a few large errors of the success residual", () => {
    const detector = withRecord();
    for (let i = 0; i < 3; i++) detector.observe("mesh", false, 0.05, -1.6, 0.02);
    const b = belief(detector, "mesh");
    expect(b.successShift).toBeGreaterThan(0.9);
    expect(b.shiftedResidual).toBeCloseTo(-1.6, 1);
    expect(b.failureShift).toBeLessThan(0.01);
  });

  it("says nothing about providers it never saw, or when turned off", () => {
    expect(belief(withRecord(), "ionet")).toMatchObject({ failureShift: 0, successShift: 0 });
    const off = withRecord({ halfLife: 0, successHalfLife: 300, prior: 0.0002 });
    for (let i = 0; i < 5; i++) off.observe("mesh", true, 0.05, 0, 0.05);
    expect(belief(off, "mesh")).toMatchObject({ failureShift: 0, successShift: 0 });
  });

  it("round-trips through its snapshot with the same beliefs", () => {
    const detector = withRecord();
    for (let i = 0; i < 3; i++) detector.observe("mesh", true, 0.05, 0, 0.05);
    detector.observe("__proto__", false, 0.02, 0.3, 0.04);
    const copy = new ShiftDetector({ halfLife: 600, successHalfLife: 300, prior: 0.0002 });
    copy.restore(JSON.parse(JSON.stringify(detector.toJSON())), "shifts");
    expect(copy.toJSON()).toEqual(detector.toJSON());
    expect(belief(copy, "mesh")).toEqual(belief(detector, "mesh"));
    expect(belief(copy, "__proto__")).toEqual(belief(detector, "__proto__"));
  });

  it("judges a restored provider as the original, whatever the gaps between its outcomes", () => {
    // Each outcome's gap to the provider's one before it (here 1 to 9 ticks) is kept with it;
    // a restored window has to give the same gaps, so the same beliefs to the last bit.
    const options = { halfLife: 40, successHalfLife: 300, prior: 0.01 };
    const detector = new ShiftDetector(options);
    const feed = (target: ShiftDetector, from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const id = i % 7 === 0 || i % 3 === 0 ? "mesh" : "nimbus";
        target.observe(id, i % 5 === 0 || (i > 30 && i % 2 === 0), 0.05, 0.1 * (i % 4), 0.05);
      }
    };
    feed(detector, 0, 40);
    const copy = new ShiftDetector(options);
    copy.restore(JSON.parse(JSON.stringify(detector.toJSON())), "shifts");
    for (let i = 40; i < 60; i++) {
      feed(detector, i, i + 1);
      feed(copy, i, i + 1);
      expect(belief(copy, "mesh")).toEqual(belief(detector, "mesh"));
      expect(belief(copy, "nimbus")).toEqual(belief(detector, "nimbus"));
    }
    expect(belief(detector, "mesh").failureShift).toBeGreaterThan(0.5);
  });

  it("refuses a broken snapshot, naming the field", () => {
    const detector = new ShiftDetector({ halfLife: 600, successHalfLife: 300, prior: 0.0002 });
    expect(() => detector.restore({ clock: 3, providers: [["mesh", [[9, 1, 0.05, 0, 1]], [0, 0]]] }, "model.shifts")).toThrow(
      /^model\.shifts\.providers\[0\]\[1\]\[0\]: /,
    );
  });
});

describe("ShiftDetector with calibrateFromPast", () => {
  const options = { halfLife: 600, successHalfLife: 300, prior: 0.0002 };
  const fromPast = { ...options, calibrateFromPast: true };

  /** Failure estimates after each of `n` failures in a row. */
  function outage(detector: ShiftDetector, n: number): number[] {
    const after: number[] = [];
    for (let i = 0; i < n; i++) {
      detector.observe("mesh", true, 0.05, 0, 0.05);
      after.push(Math.round(failure(detector, "mesh") * 1000) / 1000);
    }
    return after;
  }

  it("does not let an outage's first failures raise the calibration they are judged against", () => {
    // The default's 5.2%, 6.7%, 18%, 54%: each failure also made the provider look under-rated.
    expect(outage(withRecord(fromPast), 4)).toEqual([0.052, 0.077, 0.327, 0.694]);
  });

  it("still learns that the slow model under-rates a provider, from the outcomes that left the window", () => {
    const detector = new ShiftDetector(fromPast);
    for (let i = 0; i < 400; i++) detector.observe("mesh", i % 10 === 3 || i % 10 === 4, 0.05, 0, 0.05);
    // 20% failures where 5% is predicted, all along: a lasting difference, not a shift.
    const [, , [failures, expected]] = detector.toJSON().providers[0] as [string, unknown, [number, number]];
    expect(failures / expected).toBeCloseTo(4, 1);
    expect(belief(detector, "mesh").failureShift).toBeLessThan(0.01);
  });

  it("keeps most of a recognised outage out of the record, so the next one is caught sooner", () => {
    const next = (detector: ShiftDetector) => {
      for (let i = 0; i < 8; i++) detector.observe("mesh", true, 0.05, 0, 0.05);
      for (let i = 0; i < 60; i++) detector.observe("mesh", i % 20 === 7, 0.05, 0, 0.05);
      return outage(detector, 4);
    };
    expect(next(withRecord(options))).toEqual([0.051, 0.058, 0.107, 0.327]);
    expect(next(withRecord(fromPast))).toEqual([0.051, 0.063, 0.166, 0.514]);
  });

  it("round-trips through its snapshot with the same beliefs", () => {
    const detector = withRecord(fromPast);
    outage(detector, 3);
    const copy = new ShiftDetector(fromPast);
    copy.restore(JSON.parse(JSON.stringify(detector.toJSON())), "shifts");
    expect(belief(copy, "mesh")).toEqual(belief(detector, "mesh"));
    detector.observe("mesh", true, 0.05, 0, 0.05);
    copy.observe("mesh", true, 0.05, 0, 0.05);
    expect(copy.toJSON()).toEqual(detector.toJSON());
  });
});

describe("ShiftDetector with startRate (outages begin in time)", () => {
  const options = { halfLife: 600, successHalfLife: 300, prior: 0.0002, startRate: 0.00005 };

  /** P(mesh is shifted) after each of two failures, after `silence` ticks of another provider's outcomes. */
  function afterSilence(silence: number, startRate: number): number[] {
    const detector = withRecord({ ...options, startRate });
    for (let i = 0; i < silence; i++) detector.observe("nimbus", false, 0.02, 0, 0.05);
    const after: number[] = [];
    for (let i = 0; i < 2; i++) {
      detector.observe("mesh", true, 0.05, 0, 0.05);
      after.push(belief(detector, "mesh").failureShift);
    }
    return after;
  }

  it("suspects a provider that fails after a long silence sooner than one that fails between busy jobs", () => {
    // 2,000 quiet ticks: a 1 − e^(−0.1) ≈ 9.5% chance an outage began meanwhile, against ~0.005% in one tick.
    const [quietFirst, quietSecond] = afterSilence(2_000, 0.00005) as [number, number];
    const [busyFirst, busySecond] = afterSilence(0, 0.00005) as [number, number];
    expect(quietFirst).toBeGreaterThan(0.3);
    expect(quietSecond).toBeGreaterThan(0.8);
    expect(busyFirst).toBeLessThan(0.01);
    expect(busySecond).toBeLessThan(0.05);
    // Per outcome (startRate 0), the silence hardly matters: both stay below 5% after two failures.
    for (const p of [...afterSilence(2_000, 0), ...afterSilence(0, 0)]) expect(p).toBeLessThan(0.05);
  });

  it("round-trips through its snapshot with the same beliefs, gaps included", () => {
    const detector = withRecord(options);
    for (let i = 0; i < 700; i++) detector.observe("nimbus", false, 0.02, 0, 0.05);
    detector.observe("mesh", true, 0.05, 0, 0.05);
    const snapshot = JSON.parse(JSON.stringify(detector.toJSON())) as ShiftDetectorSnapshot;
    const copy = new ShiftDetector(options);
    copy.restore(snapshot, "shifts");
    expect(belief(copy, "mesh")).toEqual(belief(detector, "mesh"));
    detector.observe("mesh", true, 0.05, 0, 0.05);
    copy.observe("mesh", true, 0.05, 0, 0.05);
    expect(belief(copy, "mesh")).toEqual(belief(detector, "mesh"));
    expect(copy.toJSON()).toEqual(detector.toJSON());
  });

  it("reads a snapshot written before gaps were kept, taking each gap from the ticks", () => {
    const detector = withRecord(options);
    for (let i = 0; i < 700; i++) detector.observe("nimbus", false, 0.02, 0, 0.05);
    detector.observe("mesh", true, 0.05, 0, 0.05);
    const snapshot = JSON.parse(JSON.stringify(detector.toJSON())) as ShiftDetectorSnapshot;
    const [, outcomes] = snapshot.providers.find(([id]) => id === "mesh") as ShiftDetectorSnapshot["providers"][number];
    const gaps = outcomes.map((o) => o[5]);
    for (const o of outcomes) o.splice(5);
    const copy = new ShiftDetector(options);
    copy.restore(snapshot, "shifts");
    // Every gap but the oldest one's is the distance to the outcome before it in the window.
    const [, restored] = copy.toJSON().providers.find(([id]) => id === "mesh") as ShiftDetectorSnapshot["providers"][number];
    expect(restored.map((o) => o[5])).toEqual([1, ...gaps.slice(1)]);
    expect(belief(copy, "mesh").failureShift).toBeCloseTo(belief(detector, "mesh").failureShift, 6);
  });

  it("refuses a negative gap in a snapshot, naming the field", () => {
    const detector = new ShiftDetector(options);
    expect(() => detector.restore({ clock: 3, providers: [["mesh", [[2, 1, 0.05, 0, 1, -1]], [0, 0]]] }, "model.shifts")).toThrow(
      /^model\.shifts\.providers\[0\]\[1\]\[0\]: .*ticks since the outcome before ≥ 0/,
    );
  });
});
