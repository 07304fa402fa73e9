import type { Rng } from "@aurora/domain";
import { createRng, ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import type { Policy } from "../src/policy.js";
import { context, provider, request, runMarket } from "./learning-market.js";

export interface LearningPolicyUnderTest {
  kind: string;
  create(options?: Record<string, unknown>, rng?: Rng): Policy;
  restore(snapshot: unknown, options?: Record<string, unknown>): Policy;
  /** An option value the policy must refuse, and the option's name. */
  badOption: [name: string, value: unknown];
}

function fieldOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

/** The value of a provider nothing is known about: (1 − 5%)·(known + promise) + 5%·(−20). */
function coldValue(price: number, latency: number, reputation: number, hours = 1): number {
  return 0.95 * (-price * hours + reputation / 100 + 10 - latency / 500) + 0.05 * -20;
}

/** What every learning policy promises, whatever its maths. */
export function describeLearningPolicyContract(subject: LearningPolicyUnderTest): void {
  const { create, restore } = subject;
  const pair = [provider("akash", 2, 120, 90), provider("ionet", 1.5, 90, 80)];

  describe(`${subject.kind}: the learning policy contract`, () => {
    it("has the registry kind as its name", () => {
      expect(create().name).toBe(subject.kind);
    });

    it("refuses a bad option, naming it", () => {
      const [name, value] = subject.badOption;
      expect(fieldOf(() => create({ [name]: value }))).toBe(name);
    });

    it("refuses an option it does not know, pointing a snake_case name to its camelCase twin", () => {
      expect(() => create({ prior_failure_rate: 0.1 })).toThrow(
        /^prior_failure_rate: is not a .* option: did you mean priorFailureRate\?/,
      );
      expect(fieldOf(() => create({ rewardWeights: { cost: -1 } }))).toBe("rewardWeights.cost");
    });

    it("gives a provider seen for the first time a prior from its advertised record, not 0", () => {
      const policy = create();
      expect(policy.estimate(request(pair))).toEqual([
        expect.closeTo(coldValue(2, 120, 90), 12),
        expect.closeTo(coldValue(1.5, 90, 80), 12),
      ]);
      expect(policy.estimate(request(pair, context("eu-central", 3)))[1]).toBeCloseTo(coldValue(1.5, 90, 80, 3), 12);
    });

    it("uses the advertised price: with nothing learned, the cheaper of two otherwise equal providers looks better", () => {
      const [cheap, dear] = create().estimate(request([provider("cheap", 1), provider("dear", 1.4)]));
      expect((cheap as number) - (dear as number)).toBeCloseTo(0.95 * 0.4, 12);
    });

    it("picks one of the candidates with a propensity in (0, 1]", () => {
      const policy = create({}, createRng(3));
      for (let i = 0; i < 50; i++) {
        const choice = policy.choose(request(pair, context("us-west", 1 + (i % 3))));
        expect(choice.providerId).toBe(pair[choice.index]?.provider_id);
        expect(choice.probability).toBeGreaterThan(0);
        expect(choice.probability).toBeLessThanOrEqual(1);
        expect(choice.epsilon).toBeGreaterThanOrEqual(0);
        expect(choice.epsilon).toBeLessThanOrEqual(1);
      }
    });

    it("learns to avoid a provider that fails one job in three, cheap as it is", () => {
      const flaky = provider("flaky", 1);
      const steady = provider("steady", 1.3);
      const run = runMarket(
        create({}, createRng(7)),
        [flaky, steady],
        { failure: { flaky: 0.33, steady: 0.02 } },
        { steps: 1500, seed: 11 },
      );
      expect(run.tailPicks.get("steady") ?? 0).toBeGreaterThan(0.85 * 375);
    });

    it("names the state, when a choice names one, by a string equal to the request's key", () => {
      const policy = create({}, createRng(5));
      for (const region of ["us-west", "eu-central", "us-west"]) {
        const req = request(pair, context(region));
        const choice = policy.choose(req);
        if (choice.stateKey !== undefined) expect(choice.stateKey).toBe(req.stateKey);
        policy.update({ stateKey: req.stateKey, context: req.context, provider: pair[choice.index]!, reward: 6 });
      }
    });

    it("counts decisions, rewards and states in stats()", () => {
      const policy = create({}, createRng(1));
      policy.choose(request(pair));
      policy.choose(request(pair, context("eu-central")));
      policy.update({ stateKey: "llm:a100:us-west", context: context(), provider: pair[0]!, reward: 7 });
      expect(policy.stats()).toMatchObject({ decision_count: 2, total_rewards: 1, avg_reward_100: 7, q_states: 2 });
    });

    describe("bad input", () => {
      it("refuses an empty candidate list, a repeated provider id and a Ψ density outside [0, 1]", () => {
        const policy = create();
        expect(fieldOf(() => policy.choose(request([])))).toBe("candidates");
        expect(fieldOf(() => policy.choose(request([pair[0]!, pair[0]!])))).toBe("candidates[1].provider_id");
        expect(fieldOf(() => policy.choose(request(pair, context(), { psiDensity: 1.5 })))).toBe("psiDensity");
        expect(fieldOf(() => policy.choose({ ...request(pair), stateKey: "" }))).toBe("stateKey");
      });

      it("refuses a reward that is not finite and then changes nothing", () => {
        const policy = create();
        const before = JSON.stringify(policy.toJSON());
        expect(
          fieldOf(() =>
            policy.update({ stateKey: "llm:a100:us-west", context: context(), provider: pair[0]!, reward: Number.NaN }),
          ),
        ).toBe("reward");
        expect(JSON.stringify(policy.toJSON())).toBe(before);
      });
    });

    describe("snapshots", () => {
      it("resumes from its snapshot with the same estimates and the same snapshot", () => {
        const policy = create({}, createRng(5));
        runMarket(
          policy,
          [...pair, provider("vast", 1.2, 100, 70)],
          { failure: { ionet: 0.2 } },
          { steps: 300, seed: 2, regions: ["us-west", "eu-central"] },
        );
        const json = JSON.parse(JSON.stringify(policy.toJSON()));
        const resumed = restore(json);
        expect(resumed.toJSON()).toEqual(policy.toJSON());
        for (const region of ["us-west", "eu-central", "ap-south"]) {
          const r = request([...pair, provider("vast", 1.2, 100, 70), provider("new", 1)], context(region, 2));
          expect(resumed.estimate(r)).toEqual(policy.estimate(r));
        }
        expect(resumed.stats()).toEqual(policy.stats());
      });

      it("takes options given on restore over the saved ones", () => {
        const resumed = restore(JSON.parse(JSON.stringify(create().toJSON())), { priorFailureRate: 0.2 });
        expect((resumed.toJSON() as { params: { priorFailureRate: number } }).params.priorFailureRate).toBe(0.2);
      });

      it("refuses a snapshot made by another policy, naming policy", () => {
        const snapshot = { ...JSON.parse(JSON.stringify(create().toJSON())), policy: "q-learning" };
        expect(fieldOf(() => restore(snapshot))).toBe("policy");
      });

      it("refuses a snapshot whose counts are broken, naming the field", () => {
        const snapshot = { ...JSON.parse(JSON.stringify(create().toJSON())), decision_count: -1 };
        expect(fieldOf(() => restore(snapshot))).toBe("decision_count");
      });
    });

    it("treats __proto__ and constructor as ordinary provider ids and state keys", () => {
      const odd = [provider("__proto__", 1), provider("constructor", 1.1), provider("toString", 1.2)];
      const policy = create({}, createRng(9));
      const ctx = { workload_type: "__proto__", gpu_type: "constructor", region: "toString", gpu_hours: 1 };
      for (let i = 0; i < 30; i++) {
        const choice = policy.choose({ stateKey: "__proto__:constructor:toString", context: ctx, candidates: odd });
        policy.update({
          stateKey: "__proto__:constructor:toString",
          context: ctx,
          provider: odd[choice.index]!,
          reward: i % 5 === 0 ? -20 : 8,
        });
      }
      const resumed = restore(JSON.parse(JSON.stringify(policy.toJSON())));
      expect(resumed.estimate({ stateKey: "__proto__:constructor:toString", context: ctx, candidates: odd })).toEqual(
        policy.estimate({ stateKey: "__proto__:constructor:toString", context: ctx, candidates: odd }),
      );
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    });
  });
}
