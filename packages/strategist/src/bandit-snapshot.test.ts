import { createRng, hasJsonPieces, JSON_PIECES, type Provider } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import type { Policy } from "./policy.js";
import { createPolicy } from "./policy-registry.js";

const providers: Provider[] = ["akash", "vast", "ionet"].map((provider_id, i) => ({
  provider_id,
  price_usd_per_hour: 1.5 + i,
  latency_ms: 80 + 40 * i,
  reputation: 90 - 5 * i,
  capacity_available: null,
  gpu_types: ["a100"],
  regions: ["us-west"],
}));

/** The snapshot's JSON as a store that writes pieces would write it. */
function written(snapshot: object): string {
  const record = snapshot as Record<string, unknown>;
  const arms = record.arms;
  expect(hasJsonPieces(arms)).toBe(true);
  const head = JSON.stringify({ ...record, arms: null });
  return head.replace('"arms":null', `"arms":${[...(arms as { [JSON_PIECES](): Iterable<string> })[JSON_PIECES]()].join("")}`);
}

/** One job in state `state` (region r<state>), chosen by `policy` and learned; every `failEvery`-th fails. */
function learnOne(policy: Policy, state: number, job: number, failEvery: number): void {
  const context = { workload_type: "llm", gpu_type: "a100", region: `r${state}`, gpu_hours: 1 };
  const stateKey = `llm:a100:r${state}`;
  const choice = policy.choose({ stateKey, context, candidates: providers });
  const success = job % failEvery !== 0;
  policy.update({
    stateKey,
    context,
    provider: providers[choice.index] as Provider,
    reward: success ? 7 : -20,
    outcome: { success, actual_cost_usd: 2, actual_latency_ms: 100 },
    ...(choice.tag !== undefined ? { tag: choice.tag } : {}),
  });
}

describe.each(["ucb1", "thompson", "softmax"] as const)("%s snapshot()", (kind) => {
  function trained(states: number) {
    const policy = createPolicy({ kind }, { rng: createRng(3) });
    for (let s = 0; s < states; s++) for (let k = 0; k < 4; k++) learnOne(policy, s, s + k, 5);
    return policy;
  }

  it("is toJSON() as of when it was taken, its arms written in pieces", () => {
    const policy = trained(3_000);
    const expected = JSON.parse(JSON.stringify(policy));
    const snapshot = policy.snapshot?.() as object;
    expect(snapshot).toBeDefined();
    // Learning after the snapshot is not in it.
    const context = { workload_type: "llm", gpu_type: "a100", region: "r1", gpu_hours: 1 };
    policy.update({ stateKey: "llm:a100:r1", context, provider: providers[0] as Provider, reward: -20 });
    expect(JSON.parse(written(snapshot))).toEqual(expected);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(expected);
  });

  it("restores to a policy with the same estimates", () => {
    const policy = trained(200);
    const restored = createPolicy({ kind }, { snapshot: JSON.parse(written(policy.snapshot?.() as object)) });
    const request = {
      stateKey: "llm:a100:r7",
      context: { workload_type: "llm", gpu_type: "a100", region: "r7", gpu_hours: 1 },
      candidates: providers,
    };
    expect(restored.estimate(request)).toEqual(policy.estimate(request));
    expect(JSON.parse(JSON.stringify(restored))).toEqual(JSON.parse(JSON.stringify(policy)));
  });
});

describe("composite policies' snapshot()", () => {
  const composites = {
    ab: {
      kind: "ab",
      arms: [
        { name: "ucb", share: 0.5, policy: { kind: "ucb1" } },
        { name: "q", share: 0.5, policy: { kind: "q-learning" } },
      ],
    },
    shadow: { kind: "shadow", primary: { kind: "q-learning" }, shadow: { kind: "softmax" } },
    guardrail: { kind: "guardrail", policy: { kind: "ucb1" } },
  } as const;
  /** Where each composite keeps an inner policy's copy, which must write itself in pieces. */
  const inner = {
    ab: (s: Record<string, unknown>) =>
      ((s.arms as Record<string, unknown>[])[0] as { snapshot: Record<string, unknown> }).snapshot.arms,
    shadow: (s: Record<string, unknown>) => (s.shadow as Record<string, unknown>).arms,
    guardrail: (s: Record<string, unknown>) => ((s.inner as Record<string, unknown>).policy as Record<string, unknown>).arms,
  };

  it.each(Object.keys(composites) as (keyof typeof composites)[])(
    "%s: its inner policies' copies write themselves, and it is toJSON() as of when it was taken",
    (name) => {
      const policy = createPolicy(composites[name] as never, { rng: createRng(8) });
      const learn = (s: number) => learnOne(policy, s % 300, s, 6);
      for (let s = 0; s < 1_200; s++) learn(s);
      const expected = JSON.parse(JSON.stringify(policy));
      const snapshot = policy.snapshot?.() as Record<string, unknown>;
      expect(hasJsonPieces(inner[name](snapshot))).toBe(true);
      if (name === "guardrail") {
        // The per-state evidence too, and there is some: states where the two picks differed.
        expect(hasJsonPieces((snapshot.evidence as Record<string, unknown>).states)).toBe(true);
        expect(Object.keys(expected.evidence.states).length).toBeGreaterThan(10);
      }
      for (let s = 0; s < 50; s++) learn(s);
      // As JSON.stringify writes it (through the copies' toJSON); the engine's snapshot writer writes the same text from their pieces.
      const text = JSON.stringify(snapshot);
      expect(JSON.parse(text)).toEqual(expected);
      const restored = createPolicy({ kind: name } as never, { snapshot: JSON.parse(text), rng: createRng(8) });
      expect(JSON.parse(JSON.stringify(restored))).toEqual(expected);
    },
  );
});
