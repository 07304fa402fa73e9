import type { Context, Provider } from "@aurora/domain";
import { createRng, MAX_COST_USD, ValidationError } from "@aurora/domain";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { ChooseRequest, RewardUpdate } from "./policy.js";
import type { PolicyConfig } from "./policy-registry.js";
import { createPolicy, MAX_POLICY_DEPTH, policyKinds } from "./policy-registry.js";
import type { QLearningOptions } from "./q-learning-options.js";
import { Strategist } from "./strategist.js";

const context: Context = { workload_type: "llm", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const candidates: Provider[] = ["akash", "ionet", "vast"].map((id) => ({
  provider_id: id,
  price_usd_per_hour: 1,
  latency_ms: 100,
  reputation: 90,
  gpu_types: [],
  regions: [],
}));
const req: ChooseRequest = { stateKey: "llm:a100:us-west", context, candidates };
/** An outcome whose reward under the default weights is about `reward` (a success costing what the reward leaves, at most the wire's bound). */
const outcomeFor = (reward: number) => ({
  decision_id: "d",
  success: true,
  actual_cost_usd: Number.isFinite(reward) ? Math.min(MAX_COST_USD, Math.max(0, 10.9 - 0.2 - reward)) : 1,
  actual_latency_ms: 100,
});

function fieldOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

describe("createPolicy", () => {
  it("lists the kinds it knows", () => {
    expect(policyKinds).toEqual(expect.arrayContaining(["q-learning", "rule", "ab", "shadow", "guardrail"]));
  });

  it("builds the Q-learning policy with its options", () => {
    const policy = createPolicy({ kind: "q-learning", epsilon: 0.3, initialQ: 5 });
    expect(policy).toBeInstanceOf(Strategist);
    expect(policy.name).toBe("q-learning");
    expect(policy.stats().epsilon).toBe(0.3);
    expect(policy.estimate(req)).toEqual([5, 5, 5]);
  });

  it("uses the rng it is given", () => {
    const a = createPolicy({ kind: "q-learning", epsilon: 0.9 }, { rng: createRng(11) });
    const b = new Strategist({ epsilon: 0.9, rng: createRng(11) });
    const picks = (p: { choose(r: ChooseRequest): { index: number } }) => Array.from({ length: 20 }, () => p.choose(req).index);
    expect(picks(a)).toEqual(picks(b));
  });

  it("resumes from a snapshot", () => {
    const trained = new Strategist({ alpha: 0.5 });
    trained.update({ stateKey: req.stateKey, context, provider: candidates[1]!, reward: 4 });
    const resumed = createPolicy({ kind: "q-learning" }, { snapshot: JSON.parse(JSON.stringify(trained)) });
    expect(resumed.toJSON()).toEqual(trained.toJSON());
    expect(resumed.estimate(req)).toEqual([0, 2, 0]);
  });

  describe("invalid", () => {
    it("refuses a kind it does not know, naming kind and listing the known ones", () => {
      const known = policyKinds.map((k) => JSON.stringify(k)).join(", ");
      expect(() => createPolicy({ kind: "no-such-policy" } as never)).toThrow(
        `kind: must be one of ${known}, got "no-such-policy"`,
      );
      expect(fieldOf(() => createPolicy({} as never))).toBe("kind");
      expect(fieldOf(() => createPolicy({ kind: "constructor" } as never))).toBe("kind");
      expect(fieldOf(() => createPolicy({ kind: "__proto__" } as never))).toBe("kind");
    });

    it("refuses a bad option, naming it", () => {
      expect(fieldOf(() => createPolicy({ kind: "q-learning", gamma: 1 }))).toBe("gamma");
    });

    it("refuses an rng in the config, which it would drop, pointing to deps.rng", () => {
      expect(() => createPolicy({ kind: "ucb1", rng: createRng(1) } as never)).toThrow(
        "rng: is not a config option: pass it as createPolicy(config, { rng })",
      );
    });

    it("refuses a config that is not an object", () => {
      expect(fieldOf(() => createPolicy(null as never))).toBe("(root)");
    });

    it("refuses a snapshot made by another policy", () => {
      const snapshot = { ...new Strategist().toJSON(), policy: "thompson" };
      expect(fieldOf(() => createPolicy({ kind: "q-learning" }, { snapshot }))).toBe("policy");
    });

    // A part of a composite model (a guardrail's `inner` holds `{ policy: {…the inner snapshot…} }`),
    // taken for a model: the message names what is there, not the whole object and "[object Object]".
    it.each([
      ["q-learning", { policy: { format: "aurora-model", policy: "lin-ucb" } }, "an object"],
      ["lin-ucb", { format: "aurora-model", version: 1, policy: { kind: "lin-ucb" } }, "an object"],
      ["lin-ucb", { format: "aurora-model", version: 1 }, "nothing"],
      ["ucb1", { format: "aurora-model", version: 1, policy: ["ucb1"] }, "an array"],
    ])("refuses a %s snapshot whose policy is no name, saying what it got", (kind, snapshot, got) => {
      let message = "";
      try {
        createPolicy({ kind } as PolicyConfig, { snapshot });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe(
        `policy: must name the policy that saved this model, e.g. "${kind}", got ${got}: this is not a model a policy saved whole (a part of another model?)`,
      );
    });
  });

  // The composites need settings of their own (ab: its arms; shadow: its two policies); the rest build from { kind }.
  it.each(policyKinds.filter((kind) => kind !== "ab" && kind !== "shadow"))(
    "%s refuses a reward beyond ±1e16 before learning anything from it, naming reward",
    (kind) => {
      const policy = createPolicy({ kind } as PolicyConfig, { rng: createRng(3) });
      const learned = (reward: number) => () =>
        policy.update({ stateKey: req.stateKey, context, provider: candidates[1]!, reward, outcome: outcomeFor(reward) });
      learned(4)();
      const before = JSON.stringify(policy.toJSON());
      for (const reward of [1.0000001e16, -1.0000001e16, -Number.MAX_VALUE, Number.POSITIVE_INFINITY, Number.NaN]) {
        expect(fieldOf(learned(reward))).toBe("reward");
      }
      expect(JSON.stringify(policy.toJSON())).toBe(before);
      expect(learned(-1e16)).not.toThrow();
    },
  );

  // Every learning policy but the seed's Q-learning (which learns the reward alone) computes from the job's numbers.
  it.each(policyKinds.filter((kind) => !["q-learning", "rule", "ab", "shadow", "guardrail"].includes(kind)))(
    "%s refuses a job beyond the wire's bounds before learning anything from it, naming the field",
    (kind) => {
      const policy = createPolicy({ kind } as PolicyConfig, { rng: createRng(3) });
      const learn = (job: Partial<Context>, provider: Partial<Provider>, outcome: Partial<ReturnType<typeof outcomeFor>>) => () =>
        policy.update({
          stateKey: req.stateKey,
          context: { ...context, ...job },
          provider: { ...candidates[1]!, ...provider },
          reward: 4,
          outcome: { ...outcomeFor(4), ...outcome },
        });
      learn({}, {}, {})();
      const before = JSON.stringify(policy.toJSON());
      expect(fieldOf(learn({ gpu_hours: 1e308 }, {}, {}))).toBe("context.gpu_hours");
      expect(fieldOf(learn({}, { price_usd_per_hour: 2e6 }, {}))).toBe("provider.price_usd_per_hour");
      expect(fieldOf(learn({}, { latency_ms: Number.NaN }, {}))).toBe("provider.latency_ms");
      expect(fieldOf(learn({}, {}, { actual_cost_usd: 1e300 }))).toBe("outcome.actual_cost_usd");
      expect(fieldOf(learn({}, {}, { actual_latency_ms: -1 }))).toBe("outcome.actual_latency_ms");
      // A reputation the wire never carries made every estimate NaN and the snapshot unloadable.
      expect(fieldOf(learn({}, { reputation: undefined as unknown as number }, {}))).toBe("provider.reputation");
      expect(fieldOf(learn({}, { reputation: 1e308 }, {}))).toBe("provider.reputation");
      expect(fieldOf(learn({}, { reputation: -1 }, {}))).toBe("provider.reputation");
      expect(JSON.stringify(policy.toJSON())).toBe(before);
      expect(learn({ gpu_hours: 1e9 }, { price_usd_per_hour: 1e6 }, { actual_cost_usd: 1e15 })).not.toThrow();
    },
  );

  it("types a config as a kind plus that policy's options", () => {
    expectTypeOf<Extract<PolicyConfig, { kind: "q-learning" }>>().toEqualTypeOf<{ kind: "q-learning" } & QLearningOptions>();
  });
});

const failedAttempt = (tag: string | undefined, provider: Provider): RewardUpdate => ({
  stateKey: req.stateKey,
  context,
  provider,
  reward: -20,
  outcome: { success: false, actual_cost_usd: 0, actual_latency_ms: 0 },
  attempt: true,
  ...(tag !== undefined ? { tag } : {}),
});

const CONFIGS: [string, PolicyConfig][] = [
  ["q-learning", { kind: "q-learning", epsilon: 0.3 }],
  ["ucb1", { kind: "ucb1" }],
  ["lin-ucb", { kind: "lin-ucb" }],
  ["linear-value", { kind: "linear-value" }],
  ["rule", { kind: "rule" }],
  [
    "ab",
    {
      kind: "ab",
      arms: [
        { name: "a", share: 0.5, policy: { kind: "lin-ucb" } },
        { name: "b", share: 0.5, policy: { kind: "q-learning" } },
      ],
    },
  ],
  ["shadow", { kind: "shadow", primary: { kind: "rule" }, shadow: { kind: "lin-ucb" } }],
  ["guardrail", { kind: "guardrail", policy: { kind: "lin-ucb" } }],
];

/** Policies nested 4 deep: a guardrail over a shadow of an A/B split, with a learning policy at each level. */
const NESTED: PolicyConfig = {
  kind: "guardrail",
  policy: {
    kind: "shadow",
    primary: {
      kind: "ab",
      arms: [
        { name: "bandit", share: 0.5, policy: { kind: "ucb1" } },
        { name: "rule", share: 0.5, policy: { kind: "rule" } },
      ],
    },
    shadow: { kind: "lin-ucb" },
  },
  baseline: { kind: "softmax" },
};

describe("a composite's snapshot without an inner policy's saved state", () => {
  const saved = (name: string) => {
    const config = CONFIGS.find(([kind]) => kind === name)?.[1] as PolicyConfig;
    const policy = createPolicy(config, { rng: createRng(2) });
    for (let i = 0; i < 5; i++) {
      const choice = policy.choose(req);
      const provider = candidates[choice.index] as Provider;
      policy.update({ stateKey: req.stateKey, context, provider, reward: 5, ...(choice.tag ? { tag: choice.tag } : {}) });
    }
    return { config, snapshot: JSON.parse(JSON.stringify(policy.toJSON())) };
  };

  it.each([
    ["ab", "arms", (s: { arms: { snapshot?: unknown }[] }) => s.arms.shift()],
    ["ab", "arms[1].snapshot", (s: { arms: { snapshot?: unknown }[] }) => delete s.arms[1]!.snapshot],
    ["shadow", "primary", (s: { primary?: unknown }) => delete s.primary],
    ["shadow", "shadow", (s: { shadow?: unknown }) => delete s.shadow],
    ["guardrail", "inner", (s: { inner: { policy?: unknown } }) => delete s.inner.policy],
    ["guardrail", "inner", (s: { inner: { baseline?: unknown } }) => delete s.inner.baseline],
  ] as [string, string, (s: never) => unknown][])(
    "%s: refused, naming %s, not resumed with that policy started afresh",
    (name, field, cut) => {
      const { config, snapshot } = saved(name);
      expect(() => createPolicy(config, { snapshot: JSON.parse(JSON.stringify(snapshot)) })).not.toThrow();
      cut(snapshot as never);
      expect(fieldOf(() => createPolicy(config, { snapshot }))).toBe(field);
    },
  );

  it("ab: an arm the config adds, which the snapshot's params do not list, starts fresh", () => {
    const { snapshot } = saved("ab");
    const added = {
      kind: "ab",
      arms: [
        { name: "a", share: 0.4, policy: { kind: "lin-ucb" } },
        { name: "b", share: 0.4, policy: { kind: "q-learning" } },
        { name: "c", share: 0.2, policy: { kind: "ucb1" } },
      ],
    } as PolicyConfig;
    expect(
      createPolicy(added, { snapshot })
        .stats()
        .ab?.arms.map((arm) => arm.name),
    ).toEqual(["a", "b", "c"]);
  });
});

describe("nesting", () => {
  const guarded = (depth: number): PolicyConfig =>
    depth === 1 ? { kind: "ucb1" } : ({ kind: "guardrail", policy: guarded(depth - 1) } as PolicyConfig);

  it(`builds policies nested ${MAX_POLICY_DEPTH} deep, as a guardrail over a shadow of an A/B split`, () => {
    expect(createPolicy(NESTED).choose(req).tag).toMatch(/^[a-z]+\[/);
    expect(createPolicy(guarded(MAX_POLICY_DEPTH)).name).toBe("guardrail");
  });

  it("refuses deeper nesting, naming the policy one level too deep, also thousands deep (no stack overflow)", () => {
    expect(fieldOf(() => createPolicy(guarded(MAX_POLICY_DEPTH + 1)))).toBe("policy.policy.policy.policy");
    expect(() => createPolicy(guarded(MAX_POLICY_DEPTH + 1))).toThrow(/nests policies 5 deep, more than 4/);
    const ab = {
      kind: "ab",
      arms: [
        { name: "a", share: 0.5, policy: { kind: "rule" } },
        { name: "b", share: 0.5, policy: guarded(MAX_POLICY_DEPTH) },
      ],
    } as PolicyConfig;
    expect(fieldOf(() => createPolicy(ab))).toBe("arms[1].policy.policy.policy.policy");
    let deep: PolicyConfig = { kind: "ucb1" };
    for (let i = 0; i < 5_000; i++) deep = { kind: "guardrail", policy: deep } as PolicyConfig;
    expect(fieldOf(() => createPolicy(deep))).toBe("policy.policy.policy.policy");
  });
});

describe("the caller's reward weights (deps.rewardWeights, the engine's rewardWeights)", () => {
  const weights = { cost: 10, failure_reward: -5 };
  const resolved = { success_bonus: 10, failure_reward: -5, cost: 10, latency_divisor: 500, reputation_divisor: 100 };
  /** Every `rewardWeights` a snapshot saved, at any depth. */
  const savedWeights = (value: unknown): unknown[] => {
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([key, inner]) => (key === "rewardWeights" ? [inner] : savedWeights(inner)));
  };

  it.each(["ucb1", "thompson", "softmax", "lin-ucb", "lin-thompson", "linear-value"])(
    "%s values candidates with them, as with the same weights in its config",
    (kind) => {
      const configured = createPolicy({ kind, rewardWeights: weights } as PolicyConfig, { rng: createRng(1) });
      const given = createPolicy({ kind } as PolicyConfig, { rng: createRng(1), rewardWeights: weights });
      const plain = createPolicy({ kind } as PolicyConfig, { rng: createRng(1) });
      expect(given.estimate(req)).toEqual(configured.estimate(req));
      expect(given.estimate(req)).not.toEqual(plain.estimate(req));
      expect(savedWeights(given.toJSON())).toEqual([resolved]);
    },
  );

  it("reaches every policy of a composite, at every level", () => {
    const config = NESTED;
    const policy = createPolicy(config, { rng: createRng(2), rewardWeights: weights });
    // ucb1, lin-ucb and softmax decompose the reward; the rule router does not.
    expect(savedWeights(policy.toJSON())).toEqual([resolved, resolved, resolved]);
    const restarted = createPolicy(config, { snapshot: JSON.parse(JSON.stringify(policy)), rewardWeights: weights });
    expect(savedWeights(restarted.toJSON())).toEqual([resolved, resolved, resolved]);
  });

  it("override the weights a snapshot saved (the engine's weights changed between runs)", () => {
    const saved = JSON.parse(JSON.stringify(createPolicy({ kind: "lin-ucb" })));
    expect(savedWeights(saved)).toEqual([
      { success_bonus: 10, failure_reward: -20, cost: 1, latency_divisor: 500, reputation_divisor: 100 },
    ]);
    expect(savedWeights(createPolicy({ kind: "lin-ucb" }, { snapshot: saved, rewardWeights: weights }).toJSON())).toEqual([
      resolved,
    ]);
  });

  it("accept a config that names the same weights, and refuse one that names others, naming the field at its depth", () => {
    expect(() =>
      createPolicy({ kind: "ucb1", rewardWeights: { ...weights, success_bonus: 10 } } as PolicyConfig, {
        rewardWeights: weights,
      }),
    ).not.toThrow();
    expect(
      fieldOf(() =>
        createPolicy({ kind: "ucb1", rewardWeights: { cost: 2, failure_reward: -5 } } as PolicyConfig, {
          rewardWeights: weights,
        }),
      ),
    ).toBe("rewardWeights.cost");
    // Every weight that differs is named (the SPEC's failure reward, −20, against the caller's −5).
    const both = (() => {
      try {
        createPolicy({ kind: "ucb1", rewardWeights: { cost: 2 } } as PolicyConfig, { rewardWeights: weights });
      } catch (error) {
        return (error as ValidationError).issues.map((issue) => issue.field);
      }
    })();
    expect(both).toEqual(["rewardWeights.failure_reward", "rewardWeights.cost"]);
    // The SPEC's weights are the caller's when it names none: a policy's own are refused then too.
    expect(
      fieldOf(() =>
        createPolicy({ kind: "lin-ucb", rewardWeights: { failure_reward: -5 } } as PolicyConfig, { rewardWeights: {} }),
      ),
    ).toBe("rewardWeights.failure_reward");
    const ab: PolicyConfig = {
      kind: "ab",
      arms: [
        { name: "rule", share: 0.5, policy: { kind: "rule" } },
        {
          name: "learned",
          share: 0.5,
          policy: { kind: "softmax", rewardWeights: { cost: 2, failure_reward: -5 } } as PolicyConfig,
        },
      ],
    };
    expect(fieldOf(() => createPolicy(ab, { rewardWeights: weights }))).toBe("arms[1].policy.rewardWeights.cost");
    expect(() => createPolicy(ab, { rewardWeights: weights })).toThrow(/the engine's rewardWeights/);
  });

  it("leave a malformed config's weights to the policy's own check", () => {
    const error = (() => {
      try {
        createPolicy({ kind: "ucb1", rewardWeights: { cost: -1 } } as PolicyConfig, { rewardWeights: weights });
      } catch (caught) {
        return caught as ValidationError;
      }
      throw new Error("expected a ValidationError");
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.field).toBe("rewardWeights.cost");
    expect(error.message).toMatch(/≥ 0/);
  });

  it("are no option of the policies that do not decompose the reward", () => {
    expect(createPolicy({ kind: "q-learning" }, { rewardWeights: weights }).estimate(req)).toEqual([0, 0, 0]);
    expect(() => createPolicy({ kind: "rule" }, { rewardWeights: weights })).not.toThrow();
  });
});

describe("an attempt update (a provider that failed before the one the job ended on)", () => {
  it.each(CONFIGS)("%s learns it but counts no reward and decays no ε for it", (_, config) => {
    const policy = createPolicy(config, { rng: createRng(4) });
    const choice = policy.choose(req);
    const failed = candidates.find((c) => c.provider_id !== choice.providerId) as Provider;
    const before = policy.stats();
    const [estimateBefore] = policy.estimate({ ...req, candidates: [failed] });
    policy.update(failedAttempt(choice.tag, failed));
    const after = policy.stats();
    expect(after).toEqual(before);
    // Learned: the failed provider is now worth less. A rule learns nothing, and a shadow's and an
    // untrusted guardrail's estimates are their rules'.
    if (config.kind !== "rule" && config.kind !== "shadow" && config.kind !== "guardrail") {
      const [estimateAfter] = policy.estimate({ ...req, candidates: [failed] });
      expect(estimateAfter).toBeLessThan(estimateBefore as number);
    }
  });
});

describe("an update whose pick failed first (judgedReward)", () => {
  it.each(CONFIGS.filter(([name]) => ["ab", "shadow", "guardrail"].includes(name)))(
    "%s refuses a judgedReward that is not a reward it could learn, before learning anything",
    (_, config) => {
      const policy = createPolicy(config, { rng: createRng(4) });
      const choice = policy.choose(req);
      const before = JSON.stringify(policy.toJSON());
      for (const judgedReward of [Number.NaN, 1e308, "-20" as unknown as number]) {
        const update = { stateKey: req.stateKey, context, provider: candidates[choice.index]!, reward: 8, judgedReward };
        expect(fieldOf(() => policy.update({ ...update, ...(choice.tag ? { tag: choice.tag } : {}) }))).toBe("judgedReward");
      }
      expect(JSON.stringify(policy.toJSON())).toBe(before);
    },
  );

  it("ab: an update naming no arm and no context is counted, not a TypeError", () => {
    const policy = createPolicy(CONFIGS.find(([name]) => name === "ab")?.[1] as PolicyConfig, { rng: createRng(4) });
    const { context: _, ...update } = { stateKey: req.stateKey, context, provider: candidates[0]!, reward: 3 };
    expect(policy.update(update as RewardUpdate)).toEqual({ before: 0, after: 0 });
    expect(policy.stats().ab?.unattributed_rewards).toBe(1);
  });

  it.each([
    ["ab", CONFIGS.find(([name]) => name === "ab")?.[1] as PolicyConfig],
    ["shadow", CONFIGS.find(([name]) => name === "shadow")?.[1] as PolicyConfig],
    ["guardrail", CONFIGS.find(([name]) => name === "guardrail")?.[1] as PolicyConfig],
  ])("%s judges the pick by judgedReward in its own reward statistics", (_, config) => {
    const policy = createPolicy(config, { rng: createRng(4) });
    const choice = policy.choose(req);
    const provider = candidates[choice.index] as Provider;
    policy.update({ stateKey: req.stateKey, context, provider, reward: 8, judgedReward: -20, tag: choice.tag });
    // The composite's own reward statistics judge the pick; its inner policies report what they learned.
    expect(policy.stats().avg_reward_100).toBe(-20);
  });
});
