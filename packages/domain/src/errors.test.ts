import { describe, expect, it } from "vitest";
import { LateFeedbackError } from "./errors.js";

describe("LateFeedbackError", () => {
  it("names the settlement time as an ISO time", () => {
    const error = new LateFeedbackError("d1", Date.UTC(2026, 10, 28, 2, 0));
    expect(error.code).toBe("LATE_FEEDBACK");
    expect(error.message).toMatch(/^decision_id "d1" was settled at 2026-11-28T02:00:00\.000Z because/);
    expect(new LateFeedbackError("d1", 0, true).message).toMatch(/its reward wait ended at 1970-01-01T00:00:00\.000Z/);
  });

  it("is still a LateFeedbackError for a time no Date holds (a custom clock's): it names the number", () => {
    for (const at of [Number.NaN, 1e20, -1e16]) {
      const error = new LateFeedbackError("d1", at);
      expect(error).toBeInstanceOf(LateFeedbackError);
      expect(error.settledAt).toBe(at);
      expect(error.message).toContain(`was settled at clock time ${String(at)} because`);
    }
  });
});
