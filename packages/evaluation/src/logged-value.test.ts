import { describe, expect, it } from "vitest";
import { tinyLog } from "../test/samples.js";
import { loggedValue } from "./logged-value.js";

describe("loggedValue", () => {
  it("is the mean logged reward with n as its effective sample size, whatever the target", () => {
    // rewards 10, 4, 6, 2: mean 5.5, sample variance 35 / 3
    const result = loggedValue(tinyLog([0, 1]));
    expect(result.estimate).toBe(5.5);
    expect(result.stderr).toBeCloseTo(Math.sqrt(35 / 3 / 4), 12);
    expect(result.n).toBe(4);
    expect(result.effective_sample_size).toBe(4);
  });

  it("ignores clipping", () => {
    expect(loggedValue(tinyLog(), { clip: 0.1 }).estimate).toBe(5.5);
  });
});
