import { ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { ESTIMATOR_DEFAULTS, resolveEstimatorOptions } from "./estimator-options.js";

describe("resolveEstimatorOptions", () => {
  it("fills in no clipping, normal intervals, 2000 resamples and seed 1", () => {
    expect(resolveEstimatorOptions(undefined)).toEqual({
      clip: Number.POSITIVE_INFINITY,
      ci: "normal",
      bootstrapSamples: 2000,
      seed: 1,
    });
    expect(resolveEstimatorOptions({ clip: undefined })).toEqual(ESTIMATOR_DEFAULTS);
  });

  it.each([
    [{ clip: -1 }, "clip"],
    [{ clip: Number.NaN }, "clip"],
    [{ bootstrapSamples: 0 }, "bootstrapSamples"],
    [{ bootstrapSamples: 2.5 }, "bootstrapSamples"],
    [{ seed: 0.5 }, "seed"],
  ])("refuses %j naming %s", (options, field) => {
    let error: unknown;
    try {
      resolveEstimatorOptions(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
  });
});
