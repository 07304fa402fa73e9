import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DistinctStates } from "./distinct-states.js";

const key = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom("__proto__", "constructor", "", "llm:a100:us-west", "llm:a100:us-east"),
);

describe("DistinctStates", () => {
  it("counts each distinct key once, however often and in whatever order it comes (property)", () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 200 }), (keys) => {
        const states = new DistinctStates();
        for (const k of keys) states.add(k);
        expect(states.size).toBe(new Set(keys).size);
      }),
    );
  });

  it("counts a key met again after others, and an equal key built anew", () => {
    const states = new DistinctStates([1, 2]);
    for (const k of ["a:b:c", "a:b:d", "a:b:c", ["a", "b", "c"].join(":"), "a:b:d"]) states.add(k);
    expect(states.size).toBe(2);
  });

  it("keeps counting exactly past many doublings of its index", () => {
    const states = new DistinctStates();
    for (let i = 0; i < 100_000; i++) states.add(`llm_inference:a100:r${i}`);
    for (let i = 0; i < 100_000; i += 7) states.add(`llm_inference:a100:r${i}`);
    expect(states.size).toBe(100_000);
  });

  it("restores from its JSON: the same count, the same JSON, and the keys it had are still known (property)", () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 100 }), fc.array(key, { maxLength: 20 }), (before, after) => {
        const states = new DistinctStates();
        for (const k of before) states.add(k);
        const json = JSON.parse(JSON.stringify(states));
        const restored = DistinctStates.fromJSON(json, "distinct_states");
        expect(restored.size).toBe(states.size);
        expect(JSON.parse(JSON.stringify(restored))).toEqual(json);
        for (const k of after) {
          states.add(k);
          restored.add(k);
        }
        expect(restored.size).toBe(new Set([...before, ...after]).size);
        expect(JSON.parse(JSON.stringify(restored))).toEqual(JSON.parse(JSON.stringify(states)));
      }),
    );
  });

  it("takes 8 bytes of fingerprint a state in its JSON, not the keys", () => {
    const states = new DistinctStates();
    for (let i = 0; i < 1_000; i++) states.add(`a-long-workload-name:h100:region-number-${i}`);
    const json = states.toJSON();
    expect(json.count).toBe(1_000);
    expect(Buffer.from(json.hash_a, "base64").length + Buffer.from(json.hash_b, "base64").length).toBe(8_000);
    expect(JSON.stringify(json)).not.toContain("region-number");
  });

  it("refuses a broken snapshot, naming the field", () => {
    const good = () => {
      const states = new DistinctStates([5, 6]);
      states.add("x");
      states.add("y");
      return JSON.parse(JSON.stringify(states)) as Record<string, unknown>;
    };
    const refusal = (json: unknown) => {
      try {
        DistinctStates.fromJSON(json, "distinct_states");
      } catch (error) {
        return (error as Error).message;
      }
      return "restored";
    };
    expect(refusal(good())).toBe("restored");
    expect(refusal(null)).toMatch(/^distinct_states\.format: /);
    expect(refusal({ ...good(), format: "other" })).toMatch(/^distinct_states\.format: /);
    expect(refusal({ ...good(), seeds: [1, 2.5] })).toMatch(/^distinct_states\.seeds: /);
    expect(refusal({ ...good(), count: -1 })).toMatch(/^distinct_states\.count: /);
    expect(refusal({ ...good(), count: 3 })).toMatch(/^distinct_states\.hash_a: .*3 values/);
    expect(refusal({ ...good(), hash_b: 42 })).toMatch(/^distinct_states\.hash_b: /);
    const twice = good();
    // Both rows given the first row's fingerprint.
    for (const name of ["hash_a", "hash_b"]) {
      const first = Buffer.from(twice[name] as string, "base64").subarray(0, 4);
      twice[name] = Buffer.concat([first, first]).toString("base64");
    }
    expect(refusal(twice)).toMatch(/^distinct_states\.hash_a: repeats a fingerprint/);
  });
});
