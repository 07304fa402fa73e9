import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context, Provider } from "@aurora/domain";
import { createRng, ValidationError } from "@aurora/domain";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { epsilonGreedyPropensities, greedyIndex } from "./epsilon-greedy.js";
import type { ChooseRequest } from "./policy.js";
import { createPolicy } from "./policy-registry.js";
import { Strategist } from "./strategist.js";

const pythonModelPath = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "python-model.json");

const context: Context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 };
const STATE = "llm_inference:a100:us-west";

function provider(id: string): Provider {
  return { provider_id: id, price_usd_per_hour: 2.5, latency_ms: 120, reputation: 95, gpu_types: ["a100"], regions: ["us-west"] };
}

function request(ids: readonly string[], extra: Partial<ChooseRequest> = {}): ChooseRequest {
  return { stateKey: STATE, context, candidates: ids.map(provider), ...extra };
}

function validationField(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

const idPool = ["akash", "ionet", "vast", "render", "__proto__", "constructor", "toString", "lambda"];
const statePool = [STATE, "__proto__:constructor:toString", "training:h100:eu-central"];

describe("Strategist", () => {
  describe("choose", () => {
    it("follows the seeded draws exactly: exploit the first of equal values, explore uniformly", () => {
      const strategist = new Strategist({ epsilon: 0.5, rng: createRng(42) });
      const picks = Array.from({ length: 5 }, () => strategist.choose(request(["akash", "ionet", "vast"])));
      // createRng(42) draws 0.601, 0.448 0.852, 0.670, 0.175 0.527, 0.273 0.625: (u < ε → explore, then ⌊3·u′⌋).
      const pick = (index: number, providerId: string, mode: "exploit" | "explore") => ({
        index,
        providerId,
        mode,
        estimate: 0,
        epsilon: 0.5,
        probability: mode === "exploit" ? 0.5 / 3 + 0.5 : 0.5 / 3,
        stateKey: STATE,
      });
      expect(picks).toEqual([
        pick(0, "akash", "exploit"),
        pick(2, "vast", "explore"),
        pick(0, "akash", "exploit"),
        pick(1, "ionet", "explore"),
        pick(1, "ionet", "explore"),
      ]);
    });

    it("explores less with a dense Ψ field: ε·(1 − 0.5·d)", () => {
      const strategist = new Strategist({ epsilon: 0.5, rng: createRng(42) });
      const modes = Array.from({ length: 5 }, () => strategist.choose(request(["akash", "ionet", "vast"], { psiDensity: 0.8 })));
      // ε_eff = 0.3, so the second draw (0.448) now exploits.
      expect(modes.map((c) => c.mode)).toEqual(["exploit", "exploit", "exploit", "exploit", "explore"]);
      expect(modes[0]!.epsilon).toBeCloseTo(0.3, 15);
      expect(modes[4]).toMatchObject({ providerId: "ionet", probability: modes[4]!.epsilon / 3 });
    });

    it("exploits the highest Q-value among the candidates", () => {
      const strategist = new Strategist({ epsilon: 0, rng: createRng(1) });
      strategist.updateQValue(STATE, "ionet", 5);
      strategist.updateQValue(STATE, "vast", 3);
      expect(strategist.choose(request(["akash", "vast", "ionet"]))).toEqual({
        index: 2,
        providerId: "ionet",
        mode: "exploit",
        estimate: 0.5,
        epsilon: 0,
        probability: 1,
        stateKey: STATE,
      });
    });

    it("calls an exploration that lands on the greedy pick 'explore', with the greedy propensity", () => {
      const draws = [0.05, 0.1];
      const strategist = new Strategist({ epsilon: 0.5, rng: () => draws.shift() ?? 0.99 });
      expect(strategist.choose(request(["akash", "ionet"]))).toMatchObject({
        index: 0,
        mode: "explore",
        probability: 0.5 / 2 + 0.5,
      });
    });

    it("picks each candidate as often as its propensity says", () => {
      const strategist = new Strategist({ epsilon: 0.3, rng: createRng(7) });
      strategist.updateQValue(STATE, "vast", 4);
      const ids = ["akash", "ionet", "vast", "render"];
      const counts = new Map<string, number>();
      const propensity = new Map<string, number>();
      const rounds = 20_000;
      for (let i = 0; i < rounds; i++) {
        const choice = strategist.choose(request(ids));
        counts.set(choice.providerId, (counts.get(choice.providerId) ?? 0) + 1);
        propensity.set(choice.providerId, choice.probability);
      }
      expect(propensity.get("vast")).toBeCloseTo(0.775, 12);
      expect(propensity.get("akash")).toBeCloseTo(0.075, 12);
      for (const id of ids) expect((counts.get(id) ?? 0) / rounds).toBeCloseTo(propensity.get(id)!, 2);
    });

    it("names the state in the string its table keeps, equal to the request's key", () => {
      const strategist = new Strategist({ rng: createRng(3) });
      const first = strategist.choose(request(["akash", "ionet"], { stateKey: ["llm_inference", "a100", "us-west"].join(":") }));
      const again = strategist.choose(request(["akash"], { stateKey: `llm_inference:a100:${"us-west"}` }));
      const other = strategist.choose(request(["akash"], { stateKey: "training:h100:eu-central" }));
      expect(first.stateKey).toBe(STATE);
      expect(again.stateKey).toBe(STATE);
      expect(other.stateKey).toBe("training:h100:eu-central");
    });

    it("counts one decision per call", () => {
      const strategist = new Strategist({ rng: createRng(3) });
      strategist.choose(request(["akash"]));
      strategist.choose(request(["akash"]));
      strategist.estimate(request(["akash"]));
      expect(strategist.stats().decision_count).toBe(2);
    });

    describe("invalid", () => {
      it("refuses an empty candidate list", () => {
        expect(validationField(() => new Strategist().choose(request([])))).toBe("candidates");
      });

      it("refuses a candidate listed twice, naming the second", () => {
        expect(validationField(() => new Strategist().choose(request(["akash", "vast", "akash"])))).toBe(
          "candidates[2].provider_id",
        );
      });

      it("accepts the same candidates again after refusing duplicates", () => {
        const strategist = new Strategist({ rng: createRng(3) });
        expect(() => strategist.choose(request(["akash", "akash"]))).toThrow(ValidationError);
        expect(strategist.choose(request(["akash", "vast"])).index).toBeLessThan(2);
        expect(strategist.stats().decision_count).toBe(1);
      });

      it("refuses a missing state key and a Ψ density outside [0, 1]", () => {
        expect(validationField(() => new Strategist().choose(request(["a"], { stateKey: "" })))).toBe("stateKey");
        expect(validationField(() => new Strategist().choose(request(["a"], { psiDensity: 1.5 })))).toBe("psiDensity");
      });
    });
  });

  describe("estimate", () => {
    it("gives each candidate's Q-value in candidate order, initialQ where there is none, without side effects", () => {
      const strategist = new Strategist({ initialQ: 2 });
      strategist.updateQValue(STATE, "vast", 10);
      const before = JSON.stringify(strategist.toJSON());
      expect(strategist.estimate(request(["akash", "vast"]))).toEqual([2, 2 + 0.1 * (10 + 0.95 * 2 - 2)]);
      expect(strategist.estimate(request(["akash"], { stateKey: "other:state:key" }))).toEqual([2]);
      expect(JSON.stringify(strategist.toJSON())).toBe(before);
    });

    it("gives the same estimates for the request just chosen as for a copy of it, whatever happened in between", () => {
      fc.assert(
        fc.property(
          fc.array(fc.subarray(idPool, { minLength: 1 }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.tuple(fc.constantFrom(...idPool), fc.double({ min: -20, max: 20, noNaN: true })), { maxLength: 6 }),
          fc.constantFrom("none", "update", "swap", "rename", "state"),
          (lists, rewards, between) => {
            const strategist = new Strategist({ rng: createRng(7) });
            for (const [id, reward] of rewards) strategist.updateQValue(STATE, id, reward);
            for (const ids of lists) {
              const chosen = request(ids);
              strategist.choose(chosen);
              const candidates = chosen.candidates as Provider[];
              if (between === "update")
                strategist.update({ stateKey: STATE, context, provider: candidates[0] as Provider, reward: 3 });
              if (between === "swap") candidates.reverse();
              if (between === "rename") candidates[0] = provider("newcomer");
              if (between === "state") chosen.stateKey = "other:state:key";
              const copy = { ...chosen, candidates: [...candidates] };
              expect(strategist.estimate(chosen)).toEqual(strategist.estimate(copy));
            }
          },
        ),
      );
    });
  });

  describe("update", () => {
    it("applies the seed's rule exactly: Q ← Q + α·(r + γ·max_row Q − Q)", () => {
      const strategist = new Strategist({ rng: createRng(42) });
      const update = (id: string, reward: number) =>
        strategist.update({ stateKey: STATE, context, provider: provider(id), reward });
      expect(update("akash", 9)).toEqual({ before: 0, after: 0.9 });
      expect(update("akash", 9)).toEqual({ before: 0.9, after: 0.9 + 0.1 * (9 + 0.95 * 0.9 - 0.9) });
      const third = update("ionet", -20);
      expect(third.before).toBe(0);
      expect(third.after).toBeCloseTo(-1.8294275, 12);
      expect(strategist.stats()).toEqual({
        epsilon: 0.1 * 0.995 * 0.995 * 0.995,
        decision_count: 0,
        q_states: 1,
        avg_reward_100: (9 + 9 - 20) / 3,
        total_rewards: 3,
      });
    });

    it("after a choice in one state, learns another state's reward in that other state's row", () => {
      const strategist = new Strategist({ rng: createRng(3) });
      const other = "training:h100:eu-central";
      strategist.updateQValue(other, "akash", 4);
      strategist.choose(request(["akash", "vast"]));
      const { before, after } = strategist.update({ stateKey: other, context, provider: provider("akash"), reward: 9 });
      expect(before).toBe(0.4);
      expect(strategist.getQValue(other, "akash")).toBe(after);
      expect(strategist.getQValue(STATE, "akash")).toBe(0);
      // A key equal to the chosen one but built separately finds the chosen row.
      strategist.choose(request(["akash"], { stateKey: other }));
      strategist.update({
        stateKey: ["training", "h100", "eu-central"].join(":"),
        context,
        provider: provider("akash"),
        reward: 1,
      });
      expect(strategist.getQValue(other, "akash")).toBe(after + 0.1 * (1 + 0.95 * after - after));
      expect(strategist.stats().q_states).toBe(2);
    });

    it("learns exactly as a plain state → provider → value model, whatever order choices and updates come in", () => {
      const op = fc.oneof(
        fc.record({
          kind: fc.constant("choose" as const),
          state: fc.constantFrom(...statePool),
          ids: fc.uniqueArray(fc.constantFrom(...idPool), { minLength: 1, maxLength: 4 }),
        }),
        fc.record({
          kind: fc.constant("update" as const),
          state: fc.constantFrom(...statePool),
          id: fc.constantFrom(...idPool),
          reward: fc.double({ min: -50, max: 50, noNaN: true }),
        }),
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
          const strategist = new Strategist({ rng: createRng(9) });
          const model = new Map<string, Map<string, number>>();
          const rowOf = (state: string) => model.get(state) ?? model.set(state, new Map()).get(state)!;
          for (const o of ops) {
            // Keys rebuilt per call, as the engine builds them per request: equal text, another string.
            const stateKey = o.state.split(":").join(":");
            if (o.kind === "choose") {
              strategist.choose({ stateKey, context, candidates: o.ids.map(provider) });
              const row = rowOf(o.state);
              for (const id of o.ids) if (!row.has(id)) row.set(id, 0);
            } else {
              const { before, after } = strategist.update({ stateKey, context, provider: provider(o.id), reward: o.reward });
              const row = rowOf(o.state);
              const expectedBefore = row.get(o.id) ?? 0;
              row.set(o.id, expectedBefore);
              const max = Math.max(...row.values());
              const expectedAfter = expectedBefore + 0.1 * (o.reward + 0.95 * max - expectedBefore);
              row.set(o.id, expectedAfter);
              expect(before).toBe(expectedBefore);
              expect(after).toBe(expectedAfter);
            }
          }
          for (const state of statePool) {
            for (const id of idPool) expect(strategist.getQValue(state, id)).toBe(model.get(state)?.get(id) ?? 0);
          }
          expect(strategist.stats().q_states).toBe(model.size);
        }),
        { numRuns: 300 },
      );
    });

    it("decays ε once per learned reward, down to epsilonMin", () => {
      const strategist = new Strategist();
      const learn = () => strategist.update({ stateKey: STATE, context, provider: provider("akash"), reward: 1 });
      learn();
      expect(strategist.stats().epsilon).toBe(0.1 * 0.995);
      // 0.1·0.995ⁿ first reaches 0.01 at n = 460.
      for (let i = 1; i < 459; i++) learn();
      expect(strategist.stats().epsilon).toBeGreaterThan(0.01);
      learn();
      expect(strategist.stats().epsilon).toBe(0.01);
      learn();
      expect(strategist.stats().epsilon).toBe(0.01);
    });

    it("learns a settled (default) reward without decaying ε, in a split and a shadow too", () => {
      for (const policy of [
        new Strategist(),
        createPolicy({ kind: "linear-value" }),
        createPolicy({ kind: "shadow", primary: { kind: "q-learning" }, shadow: { kind: "linear-value" } }),
      ]) {
        const start = policy.stats().epsilon;
        const before = policy.stats().total_rewards;
        policy.update({ stateKey: STATE, context, provider: provider("akash"), reward: -5, settled: true });
        expect(policy.stats().total_rewards).toBe(before + 1);
        expect(policy.stats().epsilon).toBe(start);
        policy.update({ stateKey: STATE, context, provider: provider("akash"), reward: -5 });
        expect(policy.stats().epsilon).toBeLessThan(start);
      }
    });

    it("refuses a reward that is not finite and leaves the model unchanged", () => {
      const strategist = new Strategist();
      const attempt = () => strategist.update({ stateKey: STATE, context, provider: provider("akash"), reward: NaN });
      expect(validationField(attempt)).toBe("reward");
      expect(strategist.stats()).toMatchObject({ epsilon: 0.1, q_states: 0, total_rewards: 0 });
    });

    it("inflates values toward r/(1−γ) with γ > 0 (the seed bootstraps from the same state)", () => {
      const strategist = new Strategist({ gamma: 0.95 });
      for (let i = 0; i < 6000; i++) strategist.updateQValue(STATE, "akash", 5);
      expect(strategist.getQValue(STATE, "akash")).toBeCloseTo(5 / (1 - 0.95), 6);
    });

    it("is a pure bandit update with γ = 0: the value tracks the mean reward", () => {
      const strategist = new Strategist({ gamma: 0, alpha: 0.01 });
      for (let i = 0; i < 5000; i++) strategist.updateQValue(STATE, "akash", i % 2 === 0 ? 6 : 10);
      expect(strategist.getQValue(STATE, "akash")).toBeCloseTo(8, 1);
    });

    it("keeps the new value between the old value and the target r + γ·max", () => {
      const step = fc.record({
        state: fc.constantFrom(...statePool),
        id: fc.constantFrom(...idPool),
        reward: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      });
      fc.assert(
        fc.property(
          fc.double({ min: 0.001, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 0.99, noNaN: true }),
          fc.double({ min: -100, max: 100, noNaN: true }),
          fc.array(step, { minLength: 1, maxLength: 60 }),
          (alpha, gamma, initialQ, steps) => {
            const strategist = new Strategist({ alpha, gamma, initialQ });
            const model = new Map<string, Map<string, number>>();
            for (const { state, id, reward } of steps) {
              const row = model.get(state) ?? new Map<string, number>();
              model.set(state, row);
              const old = row.get(id) ?? initialQ;
              row.set(id, old);
              const target = reward + gamma * Math.max(...row.values());
              const { before, after } = strategist.updateQValue(state, id, reward);
              expect(before).toBe(old);
              expect(after).toBe(old + alpha * (target - old));
              const slack = 1e-12 * Math.max(1, Math.abs(old), Math.abs(target));
              expect(after).toBeGreaterThanOrEqual(Math.min(old, target) - slack);
              expect(after).toBeLessThanOrEqual(Math.max(old, target) + slack);
              row.set(id, after);
            }
          },
        ),
      );
    });

    it("sets the value to the reward with α = 1 and γ = 0", () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }),
          fc.constantFrom(...idPool),
          (rewards, id) => {
            const strategist = new Strategist({ alpha: 1, gamma: 0 });
            for (const reward of rewards) {
              const { after } = strategist.updateQValue(STATE, id, reward);
              expect(after).toBeCloseTo(reward, 6);
              expect(strategist.getQValue(STATE, id)).toBe(after);
            }
          },
        ),
      );
    });

    it("never lets ε go below epsilonMin or rise", () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0.5, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.integer({ min: 1, max: 300 }),
          (epsilon, epsilonDecay, epsilonMin, rewards) => {
            const strategist = new Strategist({ epsilon, epsilonDecay, epsilonMin });
            let last = strategist.stats().epsilon;
            for (let i = 0; i < rewards; i++) {
              strategist.update({ stateKey: STATE, context, provider: provider("akash"), reward: 1 });
              const now = strategist.stats().epsilon;
              expect(now).toBeLessThanOrEqual(last);
              expect(now).toBeGreaterThanOrEqual(Math.min(epsilonMin, epsilon));
              last = now;
            }
          },
        ),
      );
    });
  });

  describe("maxProviders", () => {
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const update = (s: Strategist, id: string, reward: number) =>
      s.update({ stateKey: STATE, context, provider: provider(id), reward, outcome: undefined as never });

    it("keeps at most maxProviders providers when ids keep changing, forgetting the least recently seen", () => {
      const strategist = new Strategist({ epsilon: 0, rng: createRng(1) });
      update(strategist, "steady", 5);
      for (let batch = 0; batch < 8; batch++) strategist.choose(request(["steady", ...ids(`lease${batch}-`, 2_000)]));
      // 16,001 ids seen (every candidate joins the state's row); "steady", in every request, keeps
      // its value; the oldest leases are gone, the newest kept.
      const kept = strategist.toJSON().q_table[STATE] as Record<string, number>;
      expect(Object.keys(kept).length).toBeGreaterThanOrEqual(2_001);
      expect(Object.keys(kept).length).toBeLessThanOrEqual(10_000);
      expect(kept.steady).toBeCloseTo(0.5, 12);
      expect(Object.hasOwn(kept, "lease0-0")).toBe(false);
      expect(ids("lease7-", 2_000).every((id) => Object.hasOwn(kept, id))).toBe(true);
    });

    it("never forgets a candidate of the request it is scanning, even one named after the new ids", () => {
      const strategist = new Strategist({ epsilon: 0, rng: createRng(1) });
      for (let batch = 0; batch < 5; batch++) strategist.choose(request(ids(`old${batch}-`, 2_000)));
      update(strategist, "old0-5", 7);
      // The table is full; old0-5 is among the least recently seen, but listed after 100 new ids.
      const choice = strategist.choose(request([...ids("new", 100), "old0-5"]));
      expect(choice.providerId).toBe("old0-5");
      expect(strategist.getQValue(STATE, "old0-5")).toBeCloseTo(0.7, 12);
      // Its neighbours, as old, were forgotten to make room.
      expect(Object.hasOwn(strategist.toJSON().q_table[STATE] as object, "old0-6")).toBe(false);
    });

    it("learns feedback for a provider forgotten since, even when the last choose named maxProviders candidates", () => {
      const strategist = new Strategist({ epsilon: 0, gamma: 0, alpha: 1, rng: createRng(1) });
      strategist.choose(request(["x"]));
      // 10,000 new candidates in one request: x, the least recently seen, is forgotten.
      strategist.choose({ stateKey: "other:a100:us-west", context, candidates: ids("n", 10_000).map(provider) });
      expect(Object.hasOwn(strategist.toJSON().q_table[STATE] as object, "x")).toBe(false);
      // Its feedback comes back: x starts afresh (evicting another), and the reward is learned.
      expect(update(strategist, "x", 3)).toEqual({ before: 0, after: 3 });
      expect(strategist.getQValue(STATE, "x")).toBe(3);
    });

    it("saves a model that loads while providers are forgotten and their columns taken again mid-save", async () => {
      const strategist = new Strategist({ epsilon: 0, rng: createRng(1) });
      // Over 1 MB of model, so that the save goes out in several pieces across turns of the event loop.
      for (let s = 0; s < 30; s++)
        strategist.choose({ stateKey: `w:g:s${s}`, context, candidates: ids("p", 10_000).map(provider) });
      const path = join(await mkdtemp(join(tmpdir(), "aurora-strategist-churn-")), "churn.json");
      const saving = strategist.save(path);
      for (let t = 0; t < 3; t++) await new Promise((resolve) => setImmediate(resolve));
      strategist.choose({ stateKey: "late:g:r", context, candidates: [provider("new1")] }); // evicts
      for (let t = 0; t < 20; t++) await new Promise((resolve) => setImmediate(resolve));
      strategist.choose({ stateKey: "late:g:r", context, candidates: [provider("new2")] }); // a freed column taken
      update(strategist, "new2", 1);
      await saving;
      const loaded = await Strategist.load(path);
      expect(Object.keys(loaded.toJSON().q_table["late:g:r"] ?? {})).not.toContain("");
    });

    it("forgets the least recently seen first after a restart too: the order is kept in the model", () => {
      const strategist = new Strategist({ epsilon: 0, gamma: 0, alpha: 1, rng: createRng(1) });
      strategist.choose(request(["S", ...ids("x", 4_999)]));
      update(strategist, "S", 5);
      strategist.choose(request(ids("y", 5_000))); // 10,000 providers: full
      strategist.choose(request(["S"])); // S is now the most recently seen
      const restarted = Strategist.fromJSON(JSON.parse(JSON.stringify(strategist.toJSON())));
      restarted.choose(request(["z"])); // forgets an eighth: the x's seen once, long ago
      expect(restarted.getQValue(STATE, "S")).toBe(5);
      const kept = restarted.toJSON().q_table[STATE] as Record<string, number>;
      expect(Object.hasOwn(kept, "x0")).toBe(false);
      expect(Object.hasOwn(kept, "y4999")).toBe(true);
    });

    it("refuses a model file holding more providers than maxProviders, naming it", () => {
      const strategist = new Strategist({ epsilon: 0, maxProviders: 20_000, rng: createRng(1) });
      strategist.choose(request(ids("a", 6_000)));
      strategist.choose(request(ids("b", 6_000)));
      const snapshot = JSON.parse(JSON.stringify(strategist.toJSON()));
      expect(snapshot.params).not.toHaveProperty("maxProviders");
      expect(validationField(() => Strategist.fromJSON(snapshot))).toBe("maxProviders");
      expect(Strategist.fromJSON(snapshot, { maxProviders: 12_000 }).getQValue(STATE, "b5999")).toBe(0);
    });
  });

  describe("the Python flaws, gone", () => {
    it("keeps a provider that is not in the state's first provider list (the seed's KeyError)", () => {
      const strategist = new Strategist({ epsilon: 0, initialQ: 1, rng: createRng(5) });
      strategist.choose(request(["akash", "ionet"]));
      const later = strategist.choose(request(["akash", "ionet", "newcomer"]));
      expect(later.index).toBeLessThan(3);
      expect(strategist.toJSON().q_table[STATE]).toEqual({ akash: 1, ionet: 1, newcomer: 1 });
      expect(strategist.updateQValue(STATE, "newcomer", 5).before).toBe(1);
    });

    it("exploits only among today's candidates when the table's best provider is absent (the seed's exploit crash)", () => {
      const strategist = new Strategist({ epsilon: 0, rng: createRng(5) });
      strategist.updateQValue(STATE, "akash", 10);
      strategist.updateQValue(STATE, "vast", 2);
      expect(strategist.choose(request(["ionet", "vast"]))).toMatchObject({ index: 1, providerId: "vast", mode: "exploit" });
    });

    it("always picks one of today's candidates, for any table and any candidate subset", () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              state: fc.constantFrom(...statePool),
              id: fc.constantFrom(...idPool),
              reward: fc.double({ min: -100, max: 100, noNaN: true }),
            }),
            { maxLength: 40 },
          ),
          fc.constantFrom(...statePool),
          fc.shuffledSubarray(idPool, { minLength: 1 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
          fc.integer(),
          (updates, state, ids, epsilon, psiDensity, seed) => {
            const strategist = new Strategist({ epsilon, rng: createRng(seed) });
            for (const u of updates) strategist.updateQValue(u.state, u.id, u.reward);
            const req = request(ids, { stateKey: state, ...(psiDensity !== undefined ? { psiDensity } : {}) });
            const estimates = strategist.estimate(req);
            const choice = strategist.choose(req);
            expect(Number.isInteger(choice.index)).toBe(true);
            expect(choice.index).toBeGreaterThanOrEqual(0);
            expect(choice.index).toBeLessThan(ids.length);
            expect(choice.providerId).toBe(ids[choice.index]);
            expect(choice.estimate).toBe(estimates[choice.index]);
            if (choice.mode === "exploit") expect(choice.index).toBe(greedyIndex(estimates));
            const propensities = epsilonGreedyPropensities(estimates, choice.epsilon);
            expect(choice.probability).toBe(propensities[choice.index]);
            expect(choice.probability).toBeGreaterThan(0);
            expect(choice.probability).toBeLessThanOrEqual(1);
            expect(propensities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
          },
        ),
      );
    });

    it("treats __proto__, constructor and toString as ordinary provider ids and state parts", () => {
      const strategist = new Strategist({ epsilon: 0, rng: createRng(5) });
      const state = "__proto__:constructor:toString";
      strategist.updateQValue(state, "__proto__", 3);
      strategist.updateQValue(state, "constructor", 1);
      expect(strategist.getQValue(state, "__proto__")).toBe(0.1 * 3);
      expect(strategist.getQValue(state, "toString")).toBe(0);
      expect(strategist.getQValue("toString", "hasOwnProperty")).toBe(0);
      expect(strategist.choose(request(["toString", "constructor", "__proto__"], { stateKey: state })).providerId).toBe(
        "__proto__",
      );
      const row = strategist.toJSON().q_table[state]!;
      expect(Object.keys(row)).toEqual(["__proto__", "constructor", "toString"]);
      expect(Object.getPrototypeOf(row)).toBe(null);
      expect(strategist.stats().q_states).toBe(1);
    });

    it("locks onto the first provider tried with the seed's initialQ 0, and tries them all with an optimistic one", () => {
      const rewards: Record<string, number> = { akash: 5, ionet: 8, vast: 9 };
      const run = (initialQ: number) => {
        const strategist = new Strategist({ epsilon: 0, initialQ, rng: createRng(1) });
        const tried = new Set<string>();
        for (let i = 0; i < 3000; i++) {
          const { providerId } = strategist.choose(request(["akash", "ionet", "vast"]));
          tried.add(providerId);
          strategist.updateQValue(STATE, providerId, rewards[providerId]!);
        }
        return { tried, last: strategist.choose(request(["akash", "ionet", "vast"])).providerId };
      };
      expect(run(0)).toEqual({ tried: new Set(["akash"]), last: "akash" });
      // Optimistic means above r/(1−γ) = 9/0.05 = 180, or the same-state bootstrap keeps raising the first pick.
      expect(run(250)).toEqual({ tried: new Set(["akash", "ionet", "vast"]), last: "vast" });
    });
  });

  describe("stats", () => {
    it("counts every reward and averages the last 100", () => {
      const strategist = new Strategist();
      expect(strategist.stats()).toEqual({ epsilon: 0.1, decision_count: 0, q_states: 0, avg_reward_100: 0, total_rewards: 0 });
      for (let r = 1; r <= 1500; r++) strategist.updateQValue(`s${r % 7}`, "akash", r);
      expect(strategist.stats()).toMatchObject({ q_states: 7, avg_reward_100: 1450.5, total_rewards: 1500 });
      expect(strategist.toJSON().reward_history).toHaveLength(1000);
    });
  });

  describe("the seed's API", () => {
    it("recommends with snake_case metadata and validates its input", () => {
      const strategist = new Strategist({ epsilon: 0.5, rng: createRng(42) });
      const providers = [provider("akash"), provider("ionet")];
      expect(
        strategist.recommend({ workload_type: "llm_inference", gpu_type: "a100", region: "us-west" }, providers, 0.68),
      ).toEqual({
        providerId: "akash",
        metadata: {
          mode: "exploit",
          q_value: 0,
          epsilon: 0.5 * (1 - 0.5 * 0.68),
          state_key: STATE,
          probability: expect.any(Number),
        },
      });
      expect(strategist.stats().decision_count).toBe(1);
      expect(validationField(() => strategist.recommend({ ...context, region: "us:west" }, providers))).toBe("context.region");
      expect(validationField(() => strategist.recommend(context, [provider("a"), provider("a")]))).toBe(
        "providers[1].provider_id",
      );
    });

    it("updates a Q-value without decaying ε, and decays ε on request", () => {
      const strategist = new Strategist({ epsilon: 0.2, epsilonDecay: 0.5, epsilonMin: 0.06 });
      expect(strategist.updateQValue(STATE, "akash", 4)).toEqual({ before: 0, after: 0.4 });
      expect(strategist.epsilon).toBe(0.2);
      expect(strategist.decayEpsilon()).toBe(0.1);
      expect(strategist.decayEpsilon()).toBe(0.06);
      expect(strategist.getQValue(STATE, "akash")).toBe(0.4);
      expect(strategist.getQValue(STATE, "unknown")).toBe(0);
    });

    it("refuses bad options, naming them", () => {
      expect(validationField(() => new Strategist({ alpha: 0 }))).toBe("alpha");
      expect(validationField(() => new Strategist({ rng: 42 as never }))).toBe("rng");
      expect(validationField(() => new Strategist({ epsilon_decay: 0.9 } as never))).toBe("epsilon_decay");
    });
  });

  describe("snapshots and model files", () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "aurora-strategist-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    function trained(): Strategist {
      const strategist = new Strategist({ alpha: 0.2, initialQ: 1, rng: createRng(9) });
      strategist.choose(request(["akash", "__proto__", "constructor"]));
      strategist.update({ stateKey: STATE, context, provider: provider("__proto__"), reward: 8 });
      strategist.update({ stateKey: "__proto__:toString:x", context, provider: provider("toString"), reward: -20 });
      return strategist;
    }

    it("snapshots in the model file format", () => {
      const snapshot = trained().toJSON();
      expect(JSON.parse(JSON.stringify(snapshot))).toEqual({
        format: "aurora-model",
        version: 1,
        policy: "q-learning",
        params: { epsilon: 0.1, epsilonDecay: 0.995, epsilonMin: 0.01, alpha: 0.2, gamma: 0.95, initialQ: 1 },
        epsilon: 0.1 * 0.995 * 0.995,
        decision_count: 1,
        total_rewards: 2,
        reward_history: [8, -20],
        // Least recently among the candidates first: the order maxProviders forgets in.
        provider_recency: ["toString", "akash", "__proto__", "constructor"],
        q_table: {
          [STATE]: { akash: 1, ["__proto__"]: 1 + 0.2 * (8 + 0.95 * 1 - 1), constructor: 1 },
          ["__proto__:toString:x"]: { toString: 1 + 0.2 * (-20 + 0.95 * 1 - 1) },
        },
      });
    });

    it("round-trips through toJSON and fromJSON", () => {
      const original = trained();
      const copy = Strategist.fromJSON(JSON.parse(JSON.stringify(original.toJSON())));
      expect(copy.toJSON()).toEqual(original.toJSON());
      expect(copy.stats()).toEqual(original.stats());
      expect(copy.getQValue(STATE, "__proto__")).toBe(original.getQValue(STATE, "__proto__"));
    });

    it("round-trips through save and load in a real folder, __proto__ ids included", async () => {
      const original = trained();
      const path = join(dir, "aurora-model.json");
      await original.save(path);
      expect(JSON.parse(await readFile(path, "utf8"))).toEqual(JSON.parse(JSON.stringify(original.toJSON())));
      const loaded = await Strategist.load(path, { rng: createRng(9) });
      expect(loaded.toJSON()).toEqual(original.toJSON());
      expect(loaded.getQValue("__proto__:toString:x", "toString")).toBe(original.getQValue("__proto__:toString:x", "toString"));
      expect(await readdir(dir)).toEqual(["aurora-model.json"]);
    });

    it("saves a table larger than one write piece as the same document", async () => {
      const strategist = new Strategist({ rng: createRng(2) });
      for (let s = 0; s < 30_000; s++) strategist.updateQValue(`w${s % 13}:gpu${s}:r`, `p${s % 11}`, s / 7);
      const path = join(dir, "big.json");
      await strategist.save(path);
      const text = await readFile(path, "utf8");
      expect(text.length).toBeGreaterThan(1 << 20);
      expect(text).toBe(JSON.stringify(strategist.toJSON()));
    });

    it("keeps learning while a large save is in progress, and the file it writes loads", async () => {
      const strategist = new Strategist({ rng: createRng(6) });
      for (let s = 0; s < 30_000; s++) strategist.updateQValue(`a:b:${s}`, `p${s % 5}`, s);
      const path = join(dir, "model.json");
      let saved = false;
      const saving = strategist.save(path).then(() => {
        saved = true;
      });
      let rounds = 0;
      while (!saved) {
        await new Promise((resolve) => setImmediate(resolve));
        // New states and a new provider per round: the table grows and widens under the writer.
        for (let i = 0; i < 50; i++) strategist.updateQValue(`late:${rounds}:${i}`, `late-${rounds}`, 1);
        rounds++;
      }
      await saving;
      const loaded = await Strategist.load(path);
      expect(loaded.stats().total_rewards).toBe(30_000);
      expect(loaded.stats().q_states).toBeGreaterThanOrEqual(30_000);
      for (const s of [0, 12_345, 29_999])
        expect(loaded.getQValue(`a:b:${s}`, `p${s % 5}`)).toBe(strategist.getQValue(`a:b:${s}`, `p${s % 5}`));
    });

    it("replaces the file atomically: saved twice to one path, it is always valid JSON and no temp file is left", async () => {
      const strategist = new Strategist({ rng: createRng(4) });
      for (let s = 0; s < 20_000; s++) strategist.updateQValue(`a:b:${s}`, "akash", s);
      const path = join(dir, "model.json");
      await writeFile(path, JSON.stringify(strategist.toJSON()));
      let done = false;
      let reads = 0;
      const torn: string[] = [];
      const reader = (async () => {
        while (!done) {
          const text = await readFile(path, "utf8");
          reads++;
          try {
            JSON.parse(text);
          } catch {
            torn.push(text.slice(-40));
          }
        }
      })();
      const first = strategist.save(path);
      strategist.choose(request(["akash"], { stateKey: "a:b:0" }));
      const second = strategist.save(path);
      await Promise.all([first, second]);
      done = true;
      await reader;
      expect(reads).toBeGreaterThan(0);
      expect(torn).toEqual([]);
      expect(JSON.parse(await readFile(path, "utf8")).decision_count).toBe(1);
      expect(await readdir(dir)).toEqual(["model.json"]);
    });

    it("rejects a save whose target cannot be replaced, leaving no temp file", async () => {
      const path = join(dir, "model.json");
      await mkdir(path);
      await expect(trained().save(path)).rejects.toThrow();
      expect(await readdir(dir)).toEqual(["model.json"]);
    });

    it("loads the Python engine's file (q_table, epsilon, decision_count, reward_history only)", async () => {
      const strategist = await Strategist.load(pythonModelPath, { rng: createRng(1) });
      expect(strategist.stats()).toEqual({
        epsilon: 0.061,
        decision_count: 1523,
        q_states: 2,
        avg_reward_100: (8.1 + 7.9 - 20 + 8.3 + 7.7 + 8.0) / 6,
        total_rewards: 6,
      });
      expect(strategist.getQValue(STATE, "akash")).toBe(7.912);
      expect(strategist.getQValue("training:h100:eu-central", "render")).toBe(-1.25);
      expect(strategist.toJSON().params).toEqual({
        epsilon: 0.1,
        epsilonDecay: 0.995,
        epsilonMin: 0.01,
        alpha: 0.1,
        gamma: 0.95,
        initialQ: 0,
      });
      expect(strategist.choose(request(["vast", "ionet", "akash"]))).toMatchObject({
        providerId: "akash",
        mode: "exploit",
        estimate: 7.912,
      });
    });

    it("takes hyperparameters from the snapshot, each overridden by options, and ε always from the snapshot", () => {
      const snapshot = { ...trained().toJSON(), epsilon: 0.05 };
      const loaded = Strategist.fromJSON(snapshot, { gamma: 0, epsilon: 0.9, alpha: undefined });
      expect(loaded.toJSON().params).toMatchObject({ alpha: 0.2, gamma: 0, initialQ: 1, epsilon: 0.9 });
      expect(loaded.epsilon).toBe(0.05);
    });

    it("names the field of a snapshot that does not validate", () => {
      const bad = { q_table: { "a:b:c": { akash: "x" } }, epsilon: 0.1, decision_count: 0, reward_history: [] };
      expect(validationField(() => Strategist.fromJSON(bad))).toBe('q_table["a:b:c"].akash');
    });

    it("refuses a model file that is not JSON, with a ValidationError", async () => {
      const path = join(dir, "torn.json");
      await writeFile(path, '{"q_table": {"a:b');
      await expect(Strategist.load(path)).rejects.toThrow(ValidationError);
      await expect(Strategist.load(path)).rejects.toThrow(/torn\.json is not valid JSON/);
    });
  });
});
