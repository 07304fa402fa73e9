import { loadScenario } from "@aurora/simulator";
import { describe, expect, it } from "vitest";
import { CONTENDERS } from "./contenders.js";
import { runEvidence } from "./run-evidence.js";

describe("runEvidence", () => {
  it("runs every contender over every scenario and seed, through the engine, the same way twice", async () => {
    const run = () =>
      runEvidence({
        scenarios: ["outage", "calm"].map((name) => ({ name, scenario: loadScenario(name) })),
        seeds: 2,
        largeSeeds: 1,
        decisions: 300,
        contenders: CONTENDERS,
      });
    const first = await run();
    expect([...first.keys()]).toEqual(CONTENDERS.map((c) => c.name));
    for (const byScenario of first.values()) {
      expect([...byScenario.keys()]).toEqual(["outage", "calm"]);
      for (const regrets of byScenario.values()) expect(regrets).toHaveLength(2);
    }
    expect(first.get("oracle")?.get("outage")).toEqual([0, 0]);
    expect(await run()).toEqual(first);
  });
});
