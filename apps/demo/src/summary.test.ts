import { describe, expect, it } from "vitest";
import { ROUTER_NAMES } from "./router-names.js";
import { summarize } from "./summary.js";
import { routerResult, simulationResult } from "./testing/simulation-result.js";

const meta = { description: "steady against cheap", policy: "q-learning (initialQ 15, gamma 0)", psi: false };

describe("summarize", () => {
  it("keeps each router's metrics and its share of every provider, in scenario order", () => {
    const summary = summarize(simulationResult([routerResult("aurora", { cumulativeRegret: 50 })]), meta);
    expect(summary).toMatchObject({
      scenario: "tiny",
      description: "steady against cheap",
      seed: 3,
      decisions: 100,
      policy: "q-learning (initialQ 15, gamma 0)",
      psi: false,
      providers: ["steady", "cheap"],
      events: [{ label: "cheap down", start: 40, end: 60 }],
    });
    expect(summary.rows).toEqual([
      {
        router: "aurora",
        meanReward: 8,
        cumulativeRegret: 50,
        failureRate: 0.05,
        meanCostUsd: 1.5,
        meanLatencyMs: 120,
        share: Object.assign(Object.create(null), { steady: 0.75, cheap: 0.25 }),
      },
    ]);
  });

  it("shows a provider a router never used as a share of 0", () => {
    const share: Record<string, number> = Object.create(null);
    share.steady = 1;
    const summary = summarize(simulationResult([routerResult("rule", { share })]), meta);
    expect(summary.rows[0]?.share.cheap).toBe(0);
  });

  it("keeps __proto__ as an ordinary provider id", () => {
    const share: Record<string, number> = Object.create(null);
    share.__proto__ = 0.4;
    const summary = summarize(simulationResult([routerResult("rule", { share })], { providers: ["__proto__"] }), meta);
    expect(Object.keys(summary.rows[0]?.share ?? {})).toEqual(["__proto__"]);
    expect(summary.rows[0]?.share.__proto__).toBe(0.4);
  });

  describe("headline", () => {
    const rows = (aurora: number, rule: number, random: number) => [
      routerResult(ROUTER_NAMES.aurora, { cumulativeRegret: aurora }),
      routerResult(ROUTER_NAMES.seed, { cumulativeRegret: 7565.2 }),
      routerResult(ROUTER_NAMES.rule, { cumulativeRegret: rule }),
      routerResult(ROUTER_NAMES.random, { cumulativeRegret: random }),
      routerResult(ROUTER_NAMES.oracle, { cumulativeRegret: 0 }),
    ];

    it("says how many times less regret aurora had than the rule router and random", () => {
      expect(summarize(simulationResult(rows(1414, 18964, 12834)), meta).headline).toBe(
        "aurora's cumulative regret is 1,414: 13.4× less than the rule router's (18,964) and 9.1× less than random's (12,834); the seed's q-learning: 7,565.",
      );
    });

    it("says so when aurora did worse, or the same", () => {
      expect(summarize(simulationResult(rows(3000, 1500, 3000.2)), meta).headline).toBe(
        "aurora's cumulative regret is 3,000: 2.0× more than the rule router's (1,500) and the same as random's (3,000); the seed's q-learning: 7,565.",
      );
    });

    it("gives no ratio when aurora's regret is zero", () => {
      expect(summarize(simulationResult(rows(0, 1500, 900)), meta).headline).toMatch(
        /^aurora's cumulative regret is 0: less than the rule router's/,
      );
    });

    it("is empty without an aurora router", () => {
      expect(summarize(simulationResult([routerResult("rule")]), meta).headline).toBe("");
    });
  });
});
