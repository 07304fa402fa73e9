import { describe, expect, it } from "vitest";
import { initialPsiClientStats, reducePsiClientStats } from "./psi-client-stats.js";

describe("reducePsiClientStats", () => {
  it("counts a timeout both as an error and as a timeout, and disconnects", () => {
    const stats = reducePsiClientStats(
      { ...initialPsiClientStats(), connected: true },
      { type: "failure", kind: "timeout", reason: "timeout after 250 ms (GET /state)" },
    );
    expect(stats).toEqual({
      hits: 0,
      misses: 0,
      errors: 1,
      timeouts: 1,
      invalid: 0,
      last_success_at: null,
      last_error: "timeout after 250 ms (GET /state)",
      connected: false,
    });
  });

  it("keeps the last error after a success, which reconnects", () => {
    const failed = reducePsiClientStats(initialPsiClientStats(), { type: "failure", kind: "http", reason: "HTTP 500" });
    const recovered = reducePsiClientStats(failed, { type: "success", at: Date.UTC(2025, 0, 2, 3, 4, 5) });
    expect(recovered).toMatchObject({
      errors: 1,
      invalid: 0,
      last_error: "HTTP 500",
      last_success_at: "2025-01-02T03:04:05.000Z",
      connected: true,
    });
  });

  it("shortens a long reason to 200 characters", () => {
    const stats = reducePsiClientStats(initialPsiClientStats(), { type: "failure", kind: "invalid", reason: "x".repeat(500) });
    expect(stats.last_error).toHaveLength(200);
    expect(stats.last_error?.endsWith("…")).toBe(true);
  });

  it("does not throw when the clock returns nonsense", () => {
    expect(reducePsiClientStats(initialPsiClientStats(), { type: "success", at: Number.NaN }).last_success_at).toBeNull();
  });
});
