import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { context, provider, request } from "../test/learning-market.js";
import type { Policy } from "./policy.js";
import { SoftmaxPolicy } from "./softmax-policy.js";
import { ThompsonPolicy } from "./thompson-policy.js";
import { Ucb1Policy } from "./ucb1-policy.js";

const pair = [provider("akash", 1), provider("ionet", 1.2)];

const kinds: [string, () => Policy, (snapshot: unknown) => Policy][] = [
  ["ucb1", () => new Ucb1Policy({ rng: createRng(1) }), (snapshot) => Ucb1Policy.fromJSON(snapshot)],
  ["thompson", () => new ThompsonPolicy({ rng: createRng(1) }), (snapshot) => ThompsonPolicy.fromJSON(snapshot)],
  ["softmax", () => new SoftmaxPolicy({ rng: createRng(1) }), (snapshot) => SoftmaxPolicy.fromJSON(snapshot)],
];

describe.each(kinds)("%s: Choice.stateKey", (_kind, create, restore) => {
  it("is undefined for a state with nothing learned, and the kept key once the state has arms", () => {
    const policy = create();
    const first = request(pair, context("us-west"));
    expect(policy.choose(first).stateKey).toBeUndefined();
    policy.update({ stateKey: first.stateKey, context: first.context, provider: pair[0]!, reward: 7 });
    const again = request(pair, context(["us", "west"].join("-")));
    expect(policy.choose(again).stateKey).toBe("llm:a100:us-west");
    expect(policy.choose(request(pair, context("eu-central"))).stateKey).toBeUndefined();
  });

  it("keeps naming the state after a snapshot is restored", () => {
    const policy = create();
    const req = request(pair);
    policy.update({ stateKey: req.stateKey, context: req.context, provider: pair[1]!, reward: 5 });
    const restored = restore(JSON.parse(JSON.stringify(policy.toJSON())));
    expect(restored.choose(request(pair)).stateKey).toBe(req.stateKey);
  });
});
