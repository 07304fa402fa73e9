import { ValidationError } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChooseRequest } from "./policy.js";
import { requireChooseRequest } from "./policy-input-checks.js";

const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const requestOf = (ids: string[]) =>
  ({
    stateKey: "llm_inference:a100:us-west",
    context,
    candidates: ids.map((provider_id) => ({
      provider_id,
      price_usd_per_hour: 2,
      latency_ms: 100,
      reputation: 90,
      gpu_types: ["a100"],
      regions: ["us-west"],
    })),
  }) as ChooseRequest;

/** The field a refusal names, or undefined when the request passes. */
function refusal(ids: string[], seen: Set<string>): string | undefined {
  try {
    requireChooseRequest(requestOf(ids), seen);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  return undefined;
}

describe("requireChooseRequest", () => {
  it.each([
    ["short lists, compared pairwise", 1, 16],
    ["long lists, with a set", 17, 40],
  ])("refuses a repeated provider id at its second place: %s", (_, minLength, maxLength) => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: 0, max: 60 }).map((n) => `p${n}`),
          { minLength, maxLength, size: "max" },
        ),
        (ids) => {
          const repeat = ids.findIndex((id, i) => ids.indexOf(id) < i);
          // The same scratch set across calls: what an earlier list left in it must not count.
          expect(refusal(ids, seen)).toBe(repeat < 0 ? undefined : `candidates[${repeat}].provider_id`);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("names an empty or missing id before any repeat", () => {
    const seen = new Set<string>();
    expect(refusal(["a", "", "a"], seen)).toBe("candidates[1].provider_id");
    const long = Array.from({ length: 20 }, (_, i) => `p${i}`);
    long[18] = "";
    long[19] = "p0";
    expect(refusal(long, seen)).toBe("candidates[18].provider_id");
    expect(refusal([], seen)).toBe("candidates");
  });
});
