import { describe, expect, it } from "vitest";
import { policyCatalog } from "./policy-catalog.js";
import type { PolicyConfig } from "./policy-registry.js";
import { createPolicy, policyKinds } from "./policy-registry.js";

describe("policyCatalog", () => {
  it("lists the seed's Q-learning and every new learning policy, each a registry kind", () => {
    expect(Object.keys(policyCatalog)).toEqual([
      "q-learning",
      "ucb1",
      "thompson",
      "softmax",
      "lin-ucb",
      "lin-thompson",
      "linear-value",
    ]);
    for (const kind of Object.keys(policyCatalog)) expect(policyKinds).toContain(kind);
  });

  it("describes each in one line and gives the defaults createPolicy resolves", () => {
    for (const [kind, entry] of Object.entries(policyCatalog)) {
      expect(entry.description).toMatch(/^[A-Z].{20,140}\.$/);
      const policy = createPolicy({ kind, ...entry.defaults } as PolicyConfig);
      expect(policy.name).toBe(kind);
      // q-learning's maxProviders bounds memory and is not written to the model file.
      const { maxProviders: _, ...written } = entry.defaults as Record<string, unknown>;
      expect((policy.toJSON() as { params: unknown }).params).toEqual(kind === "q-learning" ? written : entry.defaults);
    }
  });
  it("is frozen all the way down: GET /policies serves the one shared object", () => {
    const walk = (value: unknown, path: string): void => {
      if (value === null || typeof value !== "object") return;
      expect([path, Object.isFrozen(value)]).toEqual([path, true]);
      for (const [key, inner] of Object.entries(value)) walk(inner, `${path}.${key}`);
    };
    walk(policyCatalog, "policyCatalog");
    const weights = policyCatalog["lin-ucb"]?.defaults.rewardWeights as { cost: number };
    expect(() => {
      weights.cost = 99;
    }).toThrow(TypeError);
  });
});

describe("createPolicy with the learning policies", () => {
  it("builds each with its options and resumes each from its snapshot", () => {
    for (const kind of ["ucb1", "thompson", "softmax", "lin-ucb", "lin-thompson", "linear-value"]) {
      const policy = createPolicy({ kind, priorFailureRate: 0.1 } as PolicyConfig);
      expect((policy.toJSON() as { params: { priorFailureRate: number } }).params.priorFailureRate).toBe(0.1);
      const resumed = createPolicy({ kind } as PolicyConfig, { snapshot: JSON.parse(JSON.stringify(policy.toJSON())) });
      expect(resumed.toJSON()).toEqual(policy.toJSON());
    }
  });

  it("refuses a bad option of a learning policy, naming it", () => {
    expect(() => createPolicy({ kind: "lin-ucb", alpha: -1 })).toThrow(/^alpha: /);
  });
});
