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
function refusal(ids: string[]): string | undefined {
  try {
    requireChooseRequest(requestOf(ids));
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
  ])("names the first candidate whose id is empty or repeated: %s", (_, minLength, maxLength) => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            { weight: 30, arbitrary: fc.integer({ min: 0, max: 60 }).map((n) => `p${n}`) },
            { weight: 1, arbitrary: fc.constant("") },
          ),
          { minLength, maxLength, size: "max" },
        ),
        (ids) => {
          // The first candidate at fault, in order: an empty id or one seen before.
          const fault = ids.findIndex((id, i) => id === "" || ids.indexOf(id) < i);
          expect(refusal(ids)).toBe(fault < 0 ? undefined : `candidates[${fault}].provider_id`);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("names whichever fault comes first, an empty id or a repeat", () => {
    expect(refusal(["a", "", "a"])).toBe("candidates[1].provider_id");
    expect(refusal(["a", "a", ""])).toBe("candidates[1].provider_id");
    const long = Array.from({ length: 20 }, (_, i) => `p${i}`);
    long[18] = "";
    long[19] = "p0";
    expect(refusal(long)).toBe("candidates[18].provider_id");
    expect(refusal([])).toBe("candidates");
  });
});
