import { ManualClock, systemClock, ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import type { AuditorOptions } from "./auditor-options.js";
import { resolveAuditorOptions } from "./auditor-options.js";

function fieldOf(options: unknown): string {
  try {
    resolveAuditorOptions(options as AuditorOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

describe("resolveAuditorOptions", () => {
  it("applies the documented defaults", () => {
    expect(resolveAuditorOptions()).toEqual({
      strictMode: false,
      maxEntries: 10_000,
      maxAnomalies: 1_000,
      clock: systemClock,
      onEntry: undefined,
      onAnomaly: undefined,
      qSpike: { factor: 5, minSamples: 30, halfLife: 350 },
      underperforming: { window: 50, minSuccessRate: 0.5, minOutcomes: 20, maxProviders: 10_000 },
    });
  });

  it("keeps what it is given", () => {
    const clock = new ManualClock(5);
    const resolved = resolveAuditorOptions({
      strictMode: true,
      maxEntries: 3,
      clock,
      qSpike: { factor: 2.5, halfLife: Number.POSITIVE_INFINITY },
      underperforming: { window: 10, minSuccessRate: 0 },
    });
    expect(resolved.strictMode).toBe(true);
    expect(resolved.maxEntries).toBe(3);
    expect(resolved.clock).toBe(clock);
    expect(resolved.qSpike).toEqual({ factor: 2.5, minSamples: 30, halfLife: Number.POSITIVE_INFINITY });
    expect(resolved.underperforming).toEqual({ window: 10, minSuccessRate: 0, minOutcomes: 10, maxProviders: 10_000 });
  });

  it.each([
    [{ strictMode: "yes" }, "options.strictMode"],
    [{ maxEntries: 0 }, "options.maxEntries"],
    [{ maxEntries: 2.5 }, "options.maxEntries"],
    [{ maxAnomalies: Number.NaN }, "options.maxAnomalies"],
    [{ clock: {} }, "options.clock"],
    [{ onEntry: "log" }, "options.onEntry"],
    [{ onAnomaly: 1 }, "options.onAnomaly"],
    [{ qSpike: 5 }, "options.qSpike"],
    [{ qSpike: { factor: 0 } }, "options.qSpike.factor"],
    [{ qSpike: { factor: Number.POSITIVE_INFINITY } }, "options.qSpike.factor"],
    [{ qSpike: { minSamples: 0 } }, "options.qSpike.minSamples"],
    [{ qSpike: { halfLife: -1 } }, "options.qSpike.halfLife"],
    [{ underperforming: { window: 0 } }, "options.underperforming.window"],
    [{ underperforming: { minSuccessRate: 1.5 } }, "options.underperforming.minSuccessRate"],
    [{ underperforming: { window: 10, minOutcomes: 11 } }, "options.underperforming.minOutcomes"],
    [{ underperforming: { maxProviders: 0 } }, "options.underperforming.maxProviders"],
  ])("refuses %j, naming %s", (options, field) => {
    expect(fieldOf(options)).toBe(field);
  });

  it("says what it expected in the message", () => {
    expect(() => resolveAuditorOptions({ maxEntries: -5 })).toThrow(
      "options.maxEntries: must be a whole number ≥ 1 (audit entries kept in memory), got -5",
    );
  });
});
