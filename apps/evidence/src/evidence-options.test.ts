import { describe, expect, it } from "vitest";
import { DEFAULT_SCENARIOS, EvidenceUsageError, parseEvidenceArgs } from "./evidence-options.js";

describe("parseEvidenceArgs", () => {
  it("defaults to every scenario, 10 seeds each, written to docs/learning-evidence.md", () => {
    expect(parseEvidenceArgs([], "/repo")).toEqual({
      scenarios: DEFAULT_SCENARIOS,
      seeds: 10,
      largeSeeds: 10,
      out: "/repo/docs/learning-evidence.md",
    });
    expect(DEFAULT_SCENARIOS).toEqual([
      "calm",
      "price-spike",
      "outage",
      "latency-spike",
      "newcomer",
      "everything",
      "many-states",
    ]);
  });

  it("reads seeds, decisions, scenarios and where to write", () => {
    expect(
      parseEvidenceArgs(
        ["--seeds", "3", "--decisions", "500", "--scenarios", "outage,newcomer", "--out", "x.md", "--large-seeds", "2"],
        "/repo",
      ),
    ).toEqual({
      scenarios: ["outage", "newcomer"],
      seeds: 3,
      largeSeeds: 2,
      decisions: 500,
      out: "/repo/x.md",
    });
    expect(parseEvidenceArgs(["--print-only"], "/repo").out).toBeNull();
  });

  it("refuses a bad count or an unknown flag with the usage", () => {
    expect(() => parseEvidenceArgs(["--seeds", "0"], "/")).toThrow(EvidenceUsageError);
    expect(() => parseEvidenceArgs(["--seeds", "0"], "/")).toThrow(
      /--seeds needs a whole number ≥ 1, got 0\nusage: pnpm evidence/,
    );
    expect(() => parseEvidenceArgs(["--fast"], "/")).toThrow(/unknown argument "--fast"/);
  });
});
