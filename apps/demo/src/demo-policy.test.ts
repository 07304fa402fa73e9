import { createPolicy, policyKinds, Q_LEARNING_DEFAULTS } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { demoPolicyConfig, demoPolicyKinds, describePolicy, policyProblem, SEED_POLICY } from "./demo-policy.js";

describe("demoPolicyConfig", () => {
  it("tunes q-learning with an optimistic initial Q of 15 and no discount", () => {
    expect(demoPolicyConfig("q-learning")).toEqual({ kind: "q-learning", initialQ: 15, gamma: 0 });
  });

  it("starts Q above the best reward SPEC's formula can give (10 + 100/100)", () => {
    const config = demoPolicyConfig("q-learning") as { initialQ: number };
    expect(config.initialQ).toBeGreaterThan(11);
  });

  it("runs a kind it has no tuning for with that kind's defaults", () => {
    expect(demoPolicyConfig("some-future-kind")).toEqual({ kind: "some-future-kind" });
  });

  it("treats __proto__ as a kind like any other", () => {
    expect(demoPolicyConfig("__proto__")).toEqual({ kind: "__proto__" });
  });

  it("hands out a fresh copy each time, so a caller cannot change the next run's config", () => {
    const first = demoPolicyConfig("q-learning") as Record<string, unknown>;
    first.initialQ = 0;
    expect(demoPolicyConfig("q-learning")).toEqual({ kind: "q-learning", initialQ: 15, gamma: 0 });
  });
});

describe("policyProblem", () => {
  it("has none for the tuned q-learning", () => {
    expect(policyProblem("q-learning")).toBeNull();
  });

  it("names a kind the registry does not know", () => {
    expect(policyProblem("nope")).toBe('unknown policy "nope"');
  });
});

describe("demoPolicyKinds", () => {
  it("lists q-learning first, and only registry kinds the demo can build", () => {
    const kinds = demoPolicyKinds();
    expect(kinds[0]).toBe("q-learning");
    for (const kind of kinds) {
      expect(policyKinds).toContain(kind);
      expect(createPolicy(demoPolicyConfig(kind)).name).toBe(kind);
    }
  });
});

describe("SEED_POLICY", () => {
  it("is the seed's q-learning with every default untouched", () => {
    expect(SEED_POLICY).toEqual({ kind: "q-learning" });
    // maxProviders, a limit on memory, is not written to the model file.
    const { maxProviders: _, ...written } = Q_LEARNING_DEFAULTS;
    expect(createPolicy(SEED_POLICY).toJSON().params).toEqual(written);
  });
});

describe("describePolicy", () => {
  it("lists the options set on top of the defaults", () => {
    expect(describePolicy(demoPolicyConfig("q-learning"))).toBe("q-learning (initialQ 15, gamma 0)");
    expect(describePolicy(SEED_POLICY)).toBe("q-learning (defaults)");
  });

  it("describes nested policies and lists of them", () => {
    expect(
      describePolicy({ kind: "wrap", arms: [{ name: "a", policy: { kind: "q-learning", gamma: 0 } }], inner: { x: 1 } } as never),
    ).toBe("wrap (arms [name a, policy q-learning (gamma 0)], inner x 1)");
  });
});
