import { describe, expect, it } from "vitest";
import type { RegretSamples } from "./regret-table.js";
import { addSample } from "./regret-table.js";
import { checkTargets, targetTable } from "./targets.js";

describe("checkTargets", () => {
  it("compares the best new policy with a third of the rule router's regret and a tenth of the seed Q-learning's", () => {
    const samples: RegretSamples = new Map();
    addSample(samples, "rule", "newcomer", 6000);
    addSample(samples, "q-learning", "newcomer", 3000);
    addSample(samples, "lin-ucb", "newcomer", 250);
    addSample(samples, "ucb1", "newcomer", 700);
    addSample(samples, "rule", "outage", 25000);
    addSample(samples, "q-learning", "outage", 4000);
    addSample(samples, "lin-ucb", "outage", 500);
    const checks = checkTargets(samples, ["q-learning", "ucb1", "lin-ucb"], ["newcomer", "outage"]);
    expect(checks).toEqual([
      {
        scenario: "newcomer",
        best: "lin-ucb",
        regret: 250,
        rule: 6000,
        seedQ: 3000,
        ruleRatio: 250 / 6000,
        seedQRatio: 250 / 3000,
        met: true,
      },
      {
        scenario: "outage",
        best: "lin-ucb",
        regret: 500,
        rule: 25000,
        seedQ: 4000,
        ruleRatio: 0.02,
        seedQRatio: 0.125,
        met: false,
      },
    ]);
    expect(targetTable(checks).split("\n")[3]).toBe("| outage | `lin-ucb` | 500 | 25,000 | 4,000 | 1/50.0 | 1/8.0 | no |");
  });
});
