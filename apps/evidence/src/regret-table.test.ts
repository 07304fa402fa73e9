import { describe, expect, it } from "vitest";
import type { RegretSamples } from "./regret-table.js";
import { addSample, formatSummary, regretTable, summarize } from "./regret-table.js";

describe("summarize", () => {
  it("gives the mean and the sample standard deviation", () => {
    expect(summarize([1, 2, 3, 4])).toEqual({ mean: 2.5, sd: Math.sqrt(5 / 3), runs: 4 });
    expect(summarize([7])).toEqual({ mean: 7, sd: 0, runs: 1 });
  });
});

describe("formatSummary", () => {
  it("rounds to whole regret points with thousands separators", () => {
    expect(formatSummary({ mean: 1234.4, sd: 56.6, runs: 10 })).toBe("1,234 ± 57");
    expect(formatSummary({ mean: 12.2, sd: 0, runs: 1 })).toBe("12");
    expect(formatSummary({ mean: Number.NaN, sd: 0, runs: 0 })).toBe("–");
  });
});

describe("regretTable", () => {
  it("has a row per contender and a column per scenario, the best policy in bold", () => {
    const samples: RegretSamples = new Map();
    for (const [name, regret] of [
      ["rule", 900],
      ["rule", 1100],
      ["lin-ucb", 100],
      ["lin-ucb", 140],
      ["ucb1", 300],
      ["ucb1", 320],
    ] as const) {
      addSample(samples, name, "outage", regret);
    }
    const table = regretTable(
      samples,
      [
        { name: "rule", kind: "baseline" },
        { name: "ucb1", kind: "policy" },
        { name: "lin-ucb", kind: "policy" },
      ],
      ["outage", "calm"],
    );
    expect(table).toBe(
      [
        "| router | outage | calm |",
        "| --- | ---: | ---: |",
        "| rule | 1,000 ± 141 | – |",
        "| `ucb1` | 310 ± 14 | – |",
        "| `lin-ucb` | **120 ± 28** | – |",
      ].join("\n"),
    );
  });
});
