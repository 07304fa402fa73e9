import { describe, expect, it } from "vitest";
import { summarize } from "./summary.js";
import { formatSummaryTables, formatSummaryText } from "./summary-text.js";
import { routerResult, simulationResult } from "./testing/simulation-result.js";

const meta = { description: "steady against cheap", policy: "q-learning (initialQ 15, gamma 0)", psi: false };

describe("formatSummaryText", () => {
  it("prints what ran, the events, the tables and the headline", () => {
    const summary = summarize(
      simulationResult([
        routerResult("aurora", { cumulativeRegret: 50.4, meanReward: 8.456 }),
        routerResult("rule", { cumulativeRegret: 1234.5, failureRate: 0.125, meanCostUsd: null, meanLatencyMs: null }),
      ]),
      { ...meta, psi: true },
    );
    expect(formatSummaryText(summary)).toBe(
      [
        'Scenario "tiny": steady against cheap',
        "100 decisions, seed 3, aurora's policy q-learning (initialQ 15, gamma 0), Ψ-Field stand-in",
        "Events:",
        "  1. cheap down: step 40–60",
        "",
        "router  mean reward  cum. regret  failures  mean cost  mean latency",
        "------  -----------  -----------  --------  ---------  ------------",
        "aurora         8.46           50      5.0%      $1.50        120 ms",
        "rule           8.00        1,235     12.5%          –             –",
        "",
        "share of jobs per provider",
        "router  steady  cheap",
        "------  ------  -----",
        "aurora   75.0%  25.0%",
        "rule     75.0%  25.0%",
        "",
        "aurora's cumulative regret is 50: 24.5× less than the rule router's (1,235).",
      ].join("\n"),
    );
  });

  it("marks an event that lasts to the end of the run with 'on'", () => {
    const summary = summarize(
      simulationResult([routerResult("aurora")], {
        events: [{ type: "provider_joins", label: "x joins", start: 20, end: null, providerIds: ["x"] }],
      }),
      meta,
    );
    expect(formatSummaryText(summary)).toContain("  1. x joins: step 20 on");
  });
});

describe("formatSummaryTables", () => {
  it("wraps the provider columns into more tables so that none is wider than asked", () => {
    const providers = ["provider-number-one", "provider-number-two", "provider-number-three", "provider-number-four"];
    const share: Record<string, number> = Object.create(null);
    for (const id of providers) share[id] = 0.25;
    const summary = summarize(simulationResult([routerResult("aurora (seed q-learning)", { share })], { providers }), meta);
    const text = formatSummaryTables(summary, 70);
    const shareTables = text.split("\n\n").slice(1);
    expect(shareTables).toHaveLength(2);
    expect(shareTables[0]?.startsWith("share of jobs per provider\n")).toBe(true);
    for (const table of shareTables) for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(70);
    expect(shareTables[0]).toContain("provider-number-two");
    expect(shareTables[1]).toContain("provider-number-three");
    expect(shareTables[1]).toContain("provider-number-four");
  });
});
