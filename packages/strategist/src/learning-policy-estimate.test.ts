import { createRng } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { context, provider, request } from "../test/learning-market.js";
import type { ChooseRequest, Policy } from "./policy.js";
import { createPolicy } from "./policy-registry.js";

const trio = () => [provider("akash", 1.2, 100, 90), provider("ionet", 1, 100, 80), provider("vast", 1.1, 80, 85)];

describe.each(["ucb1", "thompson", "softmax", "lin-ucb", "lin-thompson", "linear-value"] as const)(
  "%s: estimate right after choose",
  (kind) => {
    function trained(): Policy {
      const policy = createPolicy({ kind }, { rng: createRng(1) });
      const market = trio();
      for (let i = 0; i < 40; i++) {
        policy.update({
          stateKey: "llm:a100:us-west",
          context: context(),
          provider: market[i % 3]!,
          reward: i % 7 === 0 ? -20 : 8,
        });
      }
      return policy;
    }
    /** The same request as another object: valued anew, never taken from what choose computed. */
    const anew = (policy: Policy, r: ChooseRequest) => policy.estimate({ ...r, candidates: [...r.candidates] });

    it("gives what valuing the candidates anew gives", () => {
      const policy = trained();
      const r = request(trio());
      policy.choose(r);
      expect(policy.estimate(r)).toEqual(anew(policy, r));
    });

    it("values them anew once a reward was learned in between", () => {
      const policy = trained();
      const r = request(trio());
      policy.choose(r);
      const before = policy.estimate(r);
      policy.update({ stateKey: r.stateKey, context: r.context, provider: r.candidates[0]!, reward: -20 });
      const after = policy.estimate(r);
      expect(after).toEqual(anew(policy, r));
      expect(after[0]).toBeLessThan(before[0]!);
    });

    it("values them anew when a candidate or the context was replaced in the same request", () => {
      const policy = trained();
      const r = request(trio());
      policy.choose(r);
      const chosen = policy.estimate(r);
      (r.candidates as ReturnType<typeof provider>[])[1] = provider("ionet", 5, 100, 80);
      const replaced = policy.estimate(r);
      expect(replaced).toEqual(anew(policy, r));
      expect(replaced[1]).not.toBe(chosen[1]);
      const moved = { ...r, context: context("us-west", 20) };
      policy.choose(moved);
      (moved as { context: ReturnType<typeof context> }).context = context("us-west", 1);
      expect(policy.estimate(moved)).toEqual(anew(policy, moved));
    });

    it("hands out a copy", () => {
      const policy = trained();
      const r = request(trio());
      policy.choose(r);
      const first = policy.estimate(r);
      first[0] = 1e9;
      expect(policy.estimate(r)[0]).not.toBe(1e9);
    });
  },
);
