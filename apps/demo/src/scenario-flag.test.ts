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

  it("turns a file that is not JSON into a UsageError naming --scenario", () => {
    const path = join(dir, "torn.json");
    writeFileSync(path, "{ not json");
    expect(() => loadScenarioFlag(path)).toThrow(/^--scenario: \(root\): is not valid JSON/);
  });
});
