import { createRng, type Provider, stateKey } from "@aurora/domain";
import { compliantProviders, loadScenario, Market, ruleScore } from "@aurora/simulator";
import { createPolicy } from "@aurora/strategist";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { context, logLine, provider, toJsonl } from "../test/log-lines.js";
import { logUniformly, rewardAt, trueValue } from "../test/simulated-log.js";
import { alwaysProvider } from "./always-provider.js";
import { createTargetPolicy } from "./create-target-policy.js";
import { type DecisionLogLineInput, decisionLogLineSchema } from "./decision-log-line.js";
import { DecisionLogError, NonFiniteEstimateError } from "./errors.js";
import { type EstimatorName, evaluatePolicy } from "./evaluate-policy.js";
import { parseDecisionLog } from "./read-decision-log.js";
import type { TargetPolicy } from "./target-policy.js";

/** aurora-router phase 1's rule (the simulator's `ruleRouter`): the best `ruleScore`, the first on a tie. */
const rule: TargetPolicy = {
  name: "rule",
  probabilities({ candidates }) {
    let best = 0;
    for (let i = 1; i < candidates.length; i++) if (ruleScore(candidates[i]!) > ruleScore(candidates[best]!)) best = i;
    return candidates.map((_, i) => (i === best ? 1 : 0));
  },
};

/** A stochastic policy: softmax of −price, so cheaper providers are likelier. */
const cheapLeaning: TargetPolicy = {
  name: "cheap-leaning",
  probabilities({ candidates }) {
    const scores = candidates.map((c) => Math.exp(-c.price_usd_per_hour));
    const total = scores.reduce((a, b) => a + b, 0);
    return scores.map((s) => s / total);
  },
};

describe("evaluatePolicy", () => {
  describe("on simulator data where the true value is known", () => {
    // A uniformly random logging policy over 4,000 steps of the `outage` scenario, seed 1.
    const log = logUniformly({ scenario: "outage", seed: 1, decisions: 4000, loggingSeed: 11 });
    const parsed = () => parseDecisionLog(toJsonl(log.lines), "outage.jsonl");

    /** q-learning trained on another run of the same market (seed 99), then frozen. */
    function frozenQLearning(): unknown {
      const market = new Market(loadScenario("outage"), { seed: 99, decisions: 4000 });
      const policy = createPolicy({ kind: "q-learning", epsilon: 0.2, gamma: 0 }, { rng: createRng(5) });
      for (let t = 0; t < 3000; t++) {
        const request = market.request(t);
        const candidates = compliantProviders(request);
        if (candidates.length === 0) continue;
        const key = stateKey(request.context);
        const choice = policy.choose({ stateKey: key, context: request.context, candidates });
        const reward = rewardAt(market, { step: t, context: request.context, candidates }, choice.providerId);
        policy.update({ stateKey: key, context: request.context, provider: candidates[choice.index]!, reward });
      }
      return JSON.parse(JSON.stringify(policy.toJSON()));
    }
    const snapshot = frozenQLearning();

    const targets: { name: string; target: () => TargetPolicy; expected: number }[] = [
      { name: "the rule router", target: () => rule, expected: 2.944 },
      { name: "always meshcompute (it has an outage)", target: () => alwaysProvider("meshcompute"), expected: -2.275 },
      {
        name: "a frozen ε-greedy q-learning policy",
        target: () => createTargetPolicy({ kind: "q-learning", snapshot, seed: 3 }),
        expected: 8.0,
      },
    ];

    it.each(targets)(
      "covers the true value of $name with the 95-percent CIs of IPS, SNIPS and DR",
      async ({ target, expected }) => {
        const truth = trueValue(log, target());
        expect(truth).toBeCloseTo(expected, 3);
        const evaluation = await evaluatePolicy(parsed(), target());
        expect(evaluation.logged.n).toBe(4000);
        for (const name of ["ips", "snips", "dr"] as EstimatorName[]) {
          const { ci95 } = evaluation.estimates[name]!;
          expect(ci95[0], `${name} lower bound`).toBeLessThanOrEqual(truth);
          expect(ci95[1], `${name} upper bound`).toBeGreaterThanOrEqual(truth);
        }
      },
    );

    it.each(targets)("gives DR a standard error no larger than IPS's for $name", async ({ target }) => {
      const { estimates } = await evaluatePolicy(parsed(), target(), { estimators: ["ips", "dr"] });
      expect(estimates.dr!.stderr).toBeLessThanOrEqual(estimates.ips!.stderr);
    });

    it("tells the rule router apart from the logged policy", async () => {
      // Uniform logging earns ~4.8 here; the rule router keeps sending jobs to meshcompute while it is down.
      const evaluation = await evaluatePolicy(parsed(), rule);
      expect(evaluation.logged.estimate).toBeCloseTo(4.822, 3);
      expect(evaluation.estimates.dr!.ci95[1]).toBeLessThan(evaluation.logged.ci95[0]);
    });
  });

  it("gives SNIPS the logged mean reward when the target is the logging policy", async () => {
    const decision = fc.record({
      prices: fc.array(fc.double({ min: 0.1, max: 5, noNaN: true }), { minLength: 1, maxLength: 5 }),
      draw: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      reward: fc.double({ min: -20, max: 12, noNaN: true }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(decision, { minLength: 2, maxLength: 30 }), async (decisions) => {
        const lines = decisions.map(({ prices, draw, reward }, i): DecisionLogLineInput => {
          const candidates = prices.map((price, p) => provider(`p${p}`, { price_usd_per_hour: price }) as Provider);
          const probabilities = cheapLeaning.probabilities({ stateKey: "s", context: context as never, candidates });
          let chosen = 0;
          for (let acc = probabilities[0]!; acc <= draw && chosen < candidates.length - 1; acc += probabilities[++chosen]!);
          return logLine({ decision_id: `d${i}`, candidates, chosen: `p${chosen}`, propensity: probabilities[chosen]!, reward });
        });
        const evaluation = await evaluatePolicy(parseDecisionLog(toJsonl(lines)), cheapLeaning, { estimators: ["snips"] });
        const mean = decisions.reduce((a, d) => a + d.reward, 0) / decisions.length;
        expect(evaluation.estimates.snips!.estimate).toBeCloseTo(mean, 9);
        expect(evaluation.logged.estimate).toBeCloseTo(mean, 9);
      }),
      { numRuns: 50 },
    );
  });

  it("leaves out lines without a reward and counts them", async () => {
    const lines = [
      logLine({ decision_id: "d1", reward: 10 }),
      logLine({ decision_id: "d2", chosen: "b", propensity: 0.2, reward: 2 }),
      logLine({ decision_id: "d3", resolution: "evicted", outcome: null, reward: null }),
      logLine({ decision_id: "d4", reward: 6, policy: "rule" }),
    ];
    const evaluation = await evaluatePolicy(parseDecisionLog(toJsonl(lines)), alwaysProvider("a"), {
      estimators: ["ips", "snips"],
    });
    expect(evaluation).toMatchObject({
      target: "always:a",
      lines: 4,
      unrewarded: 1,
      superseded: 0,
      clipped_weights: 0,
      logging_policies: ["q-learning", "rule"],
    });
    expect(Object.keys(evaluation.estimates)).toEqual(["ips", "snips"]);
    // weights 1.25, 0, 1.25 → SNIPS (12.5 + 7.5) / 2.5
    expect(evaluation.estimates.snips!.estimate).toBe(8);
    expect(evaluation.logged.estimate).toBe(6);
  });

  it("counts the weights it clips", async () => {
    const lines = [logLine({ decision_id: "d1", chosen: "b", propensity: 0.2 }), logLine({ decision_id: "d2" })];
    const evaluation = await evaluatePolicy(parseDecisionLog(toJsonl(lines)), alwaysProvider("b"), { clip: 2 });
    expect(evaluation.clipped_weights).toBe(1);
  });

  describe("a decision logged twice", () => {
    const lines = [logLine({ decision_id: "d1" }), logLine({ decision_id: "d2" }), logLine({ decision_id: "d1" })];

    it("is refused naming both file lines when a reader read the log", async () => {
      // A blank line between: line numbers, not positions among the decisions.
      const text = toJsonl(lines).replace("\n", "\n\n");
      const error = await evaluatePolicy(parseDecisionLog(text, "decisions.jsonl"), alwaysProvider("a")).catch((e) => e);
      expect(error).toBeInstanceOf(DecisionLogError);
      expect(error).toMatchObject({ source: "decisions.jsonl", lineNumber: 4, field: "decision_id" });
      expect(error.message).toMatch(
        /^decisions\.jsonl line 4: decision_id: "d1" repeats the decision of line 1: each decision must appear once/,
      );
    });

    describe("in two replicas' logs", () => {
      // One replica settled (evicted) its copy while another took the feedback, which the database kept.
      const evicted = logLine({ decision_id: "d1", resolution: "evicted", outcome: null, reward: -5 });
      const fed = logLine({ decision_id: "d1", reward: 10 });
      const other = logLine({ decision_id: "d2", chosen: "b", propensity: 0.2, reward: 2 });
      async function* twoLogs(first: DecisionLogLineInput[], second: DecisionLogLineInput[]) {
        yield* parseDecisionLog(toJsonl(first), "a.jsonl");
        yield* parseDecisionLog(toJsonl(second), "b.jsonl");
      }
      const expected = async () => evaluatePolicy(parseDecisionLog(toJsonl([fed, other]), "one.jsonl"), alwaysProvider("a"));

      it("keeps the feedback line, whichever log comes first, and counts the settlement left out", async () => {
        const want = await expected();
        for (const [first, second] of [
          [[evicted, other], [fed]],
          [[fed], [other, evicted]],
        ] as const) {
          const got = await evaluatePolicy(twoLogs([...first], [...second]), alwaysProvider("a"));
          expect(got).toEqual({ ...want, superseded: 1 });
        }
      });

      it("counts a superseded line's inexact propensity no more", async () => {
        const inexact = { ...evicted, propensity_exact: false as const };
        const got = await evaluatePolicy(twoLogs([inexact], [fed, other]), alwaysProvider("a"));
        expect(got).toMatchObject({ lines: 2, superseded: 1, inexact_propensities: 0 });
      });

      it("refuses a settlement repeated in one log after another log's feedback, as it does that log alone", async () => {
        const alone = await evaluatePolicy(
          parseDecisionLog(toJsonl([evicted, other, evicted]), "b.jsonl"),
          alwaysProvider("a"),
        ).catch((e) => e);
        expect(alone.message).toMatch(/^b\.jsonl line 3: decision_id: "d1" repeats the decision of line 1: /);
        const error = await evaluatePolicy(twoLogs([fed], [evicted, other, evicted]), alwaysProvider("a")).catch((e) => e);
        expect(error).toBeInstanceOf(DecisionLogError);
        expect(error.message).toBe(alone.message);
      });

      it("refuses two feedback lines, or two settlements, naming both files", async () => {
        for (const [first, second] of [
          [fed, fed],
          [evicted, evicted],
        ]) {
          const error = await evaluatePolicy(twoLogs([first!], [other, second!]), alwaysProvider("a")).catch((e) => e);
          expect(error).toBeInstanceOf(DecisionLogError);
          expect(error.message).toMatch(
            /^b\.jsonl line 2: decision_id: "d1" repeats the decision of a\.jsonl line 1: each decision must appear once \(two logs that share lines/,
          );
        }
      });
    });

    it("is refused naming both positions in the iterable otherwise", async () => {
      const parsed = lines.map((line) => decisionLogLineSchema.parse(line));
      await expect(evaluatePolicy(parsed, alwaysProvider("a"))).rejects.toThrow(
        'log[2].decision_id: "d1" repeats the decision of log[0]: each decision must appear once',
      );
    });
  });

  it("throws NonFiniteEstimateError, naming the estimator, for an estimate that overflows", async () => {
    // A line the schema would refuse (|reward| > 1e16), built without it: its IPS term 1.25 · 1.5e308 overflows.
    const parsed = [logLine({ decision_id: "d1" }), logLine({ decision_id: "d2" })].map((line) =>
      decisionLogLineSchema.parse(line),
    );
    parsed[0]!.reward = 1.5e308;
    const error = await evaluatePolicy(parsed, alwaysProvider("a"), { estimators: ["ips"] }).catch((e) => e);
    expect(error).toBeInstanceOf(NonFiniteEstimateError);
    expect(error.estimator).toBe("ips");
    expect(error.message).toMatch(/^the ips estimate of target policy "always:a" is Infinity/);
  });

  it("refuses an unknown estimator", async () => {
    await expect(evaluatePolicy([], rule, { estimators: ["ips", "magic" as EstimatorName] })).rejects.toThrow(
      'estimators[1]: must be one of ips, snips, dr, got "magic"',
    );
  });
});
