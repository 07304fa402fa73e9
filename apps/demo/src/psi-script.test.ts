import type { SimEvent } from "@aurora/simulator";
import { describe, expect, it } from "vitest";
import { PSI_CALM_DENSITY, PSI_DISTURBED_DENSITY, psiDensityScript, psiFieldState } from "./psi-script.js";

const event = (start: number, end: number | null): SimEvent => ({ type: "outage", label: "x", start, end, providerIds: ["p"] });

describe("psiDensityScript", () => {
  it("is calm (0.9) without events", () => {
    const densityAt = psiDensityScript([], 1000);
    expect([0, 500, 999].map(densityAt)).toEqual([0.9, 0.9, 0.9]);
  });

  it("is disturbed (0.2) for 5% of the run after an event starts and after it ends", () => {
    const densityAt = psiDensityScript([event(100, 300)], 1000);
    expect([99, 100, 149, 150, 299, 300, 349, 350].map(densityAt)).toEqual([
      PSI_CALM_DENSITY,
      PSI_DISTURBED_DENSITY,
      PSI_DISTURBED_DENSITY,
      PSI_CALM_DENSITY,
      PSI_CALM_DENSITY,
      PSI_DISTURBED_DENSITY,
      PSI_DISTURBED_DENSITY,
      PSI_CALM_DENSITY,
    ]);
  });

  it("marks only the start of an event that lasts to the end", () => {
    const densityAt = psiDensityScript([event(100, null)], 1000);
    expect([100, 149, 150, 999].map(densityAt)).toEqual([0.2, 0.2, 0.9, 0.9]);
  });

  it("keeps a one-step disturbance in very short runs", () => {
    const densityAt = psiDensityScript([event(3, 5)], 10);
    expect(Array.from({ length: 10 }, (_, step) => densityAt(step))).toEqual([0.9, 0.9, 0.9, 0.2, 0.9, 0.2, 0.9, 0.9, 0.9, 0.9]);
  });
});

describe("psiFieldState", () => {
  it("gives every field of the real /state body, coherence rising and entropy falling with density", () => {
    expect(psiFieldState(0.9, 0)).toEqual({
      Psi: 0.9,
      C: 0.83,
      U: 0.5,
      Phi: 0.83,
      H: 0.28,
      PE: 0.03,
      M: 0.5,
      dt_eff: 0.01,
      k: 3,
      timestamp: "2025-01-01T00:00:00.000Z",
    });
    expect(psiFieldState(0.2, 90)).toMatchObject({ Psi: 0.2, C: 0.34, H: 0.84, PE: 0.24, timestamp: "2025-01-01T01:30:00.000Z" });
  });
});
