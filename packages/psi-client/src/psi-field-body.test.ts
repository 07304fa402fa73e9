import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePsiFieldBody } from "./psi-field-body.js";

const realState = {
  Psi: 0.68,
  C: 0.8,
  U: 0.1,
  Phi: 0.75,
  H: 0.3,
  PE: 0.02,
  M: 0.5,
  dt_eff: 0.01,
  k: 3,
  timestamp: "2025-01-01T00:00:00.000Z",
};

describe("parsePsiFieldBody", () => {
  describe("GET /state", () => {
    it("maps Psi to density, C to coherence and H to entropy", () => {
      expect(parsePsiFieldBody("state", realState)).toEqual({
        ok: true,
        metrics: { density: 0.68, coherence: 0.8, entropy: 0.3 },
      });
    });

    it("falls back to Phi for coherence when C is absent", () => {
      const { C: _c, ...withoutC } = realState;
      expect(parsePsiFieldBody("state", withoutC)).toEqual({
        ok: true,
        metrics: { density: 0.68, coherence: 0.75, entropy: 0.3 },
      });
    });

    it("falls back to Phi for coherence when C is outside [0, 1]", () => {
      expect(parsePsiFieldBody("state", { ...realState, C: 1.4 })).toEqual({
        ok: true,
        metrics: { density: 0.68, coherence: 0.75, entropy: 0.3 },
      });
    });

    it("drops coherence and entropy outside [0, 1] instead of clamping them", () => {
      expect(parsePsiFieldBody("state", { Psi: 0.5, C: -0.2, Phi: 7, H: 2.3 })).toEqual({
        ok: true,
        metrics: { density: 0.5 },
      });
    });

    it("accepts only Psi, leaving coherence and entropy out", () => {
      expect(parsePsiFieldBody("state", { Psi: 0 })).toEqual({ ok: true, metrics: { density: 0 } });
    });

    it("keeps an ordinary __proto__ key as an unread extra", () => {
      expect(parsePsiFieldBody("state", JSON.parse('{"Psi":0.4,"__proto__":{"polluted":true}}'))).toEqual({
        ok: true,
        metrics: { density: 0.4 },
      });
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    });

    it.each([
      ["density 3", { ...realState, Psi: 3 }, "Psi: must be from 0 to 1 (Ψ density)"],
      ["negative density", { ...realState, Psi: -0.1 }, "Psi: must be from 0 to 1 (Ψ density)"],
      ["NaN as a string", { ...realState, Psi: "NaN" }, "Psi: must be a number from 0 to 1 (Ψ density)"],
      ["a missing Psi", { C: 0.5 }, "Psi: must be a number from 0 to 1 (Ψ density)"],
      ["a string coherence", { ...realState, C: "high" }, "C: must be a finite number"],
      ["a null entropy", { ...realState, H: null }, "H: must be a finite number"],
      ["an array", [realState], "(root): must be a JSON object"],
      ["null", null, "(root): must be a JSON object"],
    ])("refuses %s", (_name, body, reason) => {
      expect(parsePsiFieldBody("state", body)).toEqual({ ok: false, reason });
    });
  });

  describe("GET /api/metrics", () => {
    it("maps psi_density, psi_coherence and psi_entropy", () => {
      expect(parsePsiFieldBody("api/metrics", { psi_density: 0.42, psi_coherence: 0.9, psi_entropy: 0.1 })).toEqual({
        ok: true,
        metrics: { density: 0.42, coherence: 0.9, entropy: 0.1 },
      });
    });

    it("refuses the /state shape", () => {
      expect(parsePsiFieldBody("api/metrics", realState)).toEqual({
        ok: false,
        reason: "psi_density: must be a number from 0 to 1 (Ψ density)",
      });
    });
  });

  describe("properties", () => {
    it("never throws, and any metrics it returns lie within [0, 1]", () => {
      const field = fc.oneof(fc.double(), fc.jsonValue(), fc.constant(undefined));
      const body = fc.oneof(
        fc.jsonValue(),
        fc.record({ Psi: field, C: field, Phi: field, H: field }, { requiredKeys: [] }),
        fc.record({ psi_density: field, psi_coherence: field, psi_entropy: field }, { requiredKeys: [] }),
      );
      fc.assert(
        fc.property(fc.constantFrom("state" as const, "api/metrics" as const), body, (endpoint, value) => {
          const result = parsePsiFieldBody(endpoint, value);
          if (!result.ok) return;
          for (const metric of Object.values(result.metrics)) {
            expect(metric).toBeGreaterThanOrEqual(0);
            expect(metric).toBeLessThanOrEqual(1);
          }
        }),
      );
    });

    it("returns the density it was given for every density in [0, 1]", () => {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (psi) => {
          const result = parsePsiFieldBody("state", { Psi: psi });
          expect(result).toEqual({ ok: true, metrics: { density: psi } });
        }),
      );
    });
  });
});
