import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadScenarioFlag } from "./scenario-flag.js";
import { UsageError } from "./usage-error.js";

describe("loadScenarioFlag", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-demo-scenario-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads a built-in scenario by name", () => {
    const scenario = loadScenarioFlag("everything");
    expect(scenario.name).toBe("everything");
    expect(scenario.decisions).toBe(5000);
  });

  it("turns a missing file into a UsageError naming --scenario", () => {
    const path = join(dir, "nowhere.json");
    const error = (() => {
      try {
        loadScenarioFlag(path);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).flag).toBe("--scenario");
    expect((error as UsageError).message).toMatch(/^--scenario: scenario ".*nowhere\.json" was not found/);
  });

  it("turns an invalid file into a UsageError naming --scenario and the bad field", () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify({ name: "bad", providers: [], tenants: [] }));
    expect(() => loadScenarioFlag(path)).toThrow(UsageError);
    expect(() => loadScenarioFlag(path)).toThrow(/^--scenario: providers/);
  });

  it("refuses, given the run, a scenario whose events go wrong only on that run's steps", () => {
    const path = join(dir, "leaves.json");
    const provider = (id: string) => ({
      provider_id: id,
      advertised: { prices: { a100: 2 }, latency_ms: 100, reputation: 90, regions: ["r1"] },
      hidden: { failure_rate: 0, latency_mean_ms: 100 },
    });
    const events = [
      { type: "provider_leaves", at: "10%", provider_id: "b" },
      { type: "provider_joins", at: 20, provider_id: "b" },
    ];
    writeFileSync(
      path,
      JSON.stringify({
        name: "leaves",
        decisions: 100,
        providers: [provider("a"), provider("b")],
        tenants: [
          { tenant_id: "t", regions: ["r1"], workloads: [{ workload_type: "w", gpu_types: ["a100"], gpu_hours: [1, 1] }] },
        ],
        events,
      }),
    );
    // 10% of 100 steps is step 10, before the join at 20; of 1,000 steps, step 100, after it.
    expect(() => loadScenarioFlag(path, { seed: 1, decisions: undefined })).toThrow(
      /^--scenario: events\[0\]\.at: provider "b" would leave at step 10/,
    );
    expect(loadScenarioFlag(path, { seed: 1, decisions: 1000 }).name).toBe("leaves");
  });

  it("turns a file that is not JSON into a UsageError naming --scenario", () => {
    const path = join(dir, "torn.json");
    writeFileSync(path, "{ not json");
    expect(() => loadScenarioFlag(path)).toThrow(/^--scenario: \(root\): is not valid JSON/);
  });
});
