import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stateKey } from "./state-key.js";

describe("stateKey", () => {
  it("is workload_type:gpu_type:region, as the seed's", () => {
    expect(stateKey({ workload_type: "llm_inference", gpu_type: "a100", region: "us-west" })).toBe("llm_inference:a100:us-west");
  });

  it("gives each context its own key, call after call (the joined parts are not carried over)", () => {
    const text = fc.string({ unit: "grapheme", maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text, text), { minLength: 1, maxLength: 8 }), (contexts) => {
        const keys = contexts.map(([workload_type, gpu_type, region]) => stateKey({ workload_type, gpu_type, region }));
        contexts.forEach(([workload_type, gpu_type, region], i) => {
          expect(keys[i]).toBe(`${workload_type}:${gpu_type}:${region}`);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("keeps `__proto__`, colons and empty parts as they are", () => {
    expect(stateKey({ workload_type: "__proto__", gpu_type: "", region: "a:b" })).toBe("__proto__::a:b");
  });

  it("writes values that are not strings (unvalidated callers) the way a template would", () => {
    const context = { workload_type: 7, gpu_type: null, region: undefined } as unknown as Parameters<typeof stateKey>[0];
    expect(stateKey(context)).toBe("7:null:undefined");
  });
});
