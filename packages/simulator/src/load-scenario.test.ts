import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@aurora/domain";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScenarioNotFoundError, ScenarioReadError } from "./errors.js";
import { listScenarios, loadScenario, scenariosDirectory } from "./load-scenario.js";
import { tinyScenario } from "./testing/tiny-scenario.js";

describe("listScenarios", () => {
  it("lists exactly the JSON files shipped in scenarios/", () => {
    const files = readdirSync(scenariosDirectory()).filter((f) => f.endsWith(".json"));
    expect(files.map((f) => f.replace(/\.json$/, "")).sort()).toEqual([...listScenarios()].sort());
    expect(listScenarios()).toEqual(["calm", "price-spike", "outage", "latency-spike", "newcomer", "everything", "many-states"]);
  });
});

describe("loadScenario", () => {
  describe("built in", () => {
    it.each(listScenarios())("loads %s, whose name matches its file", (name) => {
      const scenario = loadScenario(name);
      expect(scenario.name).toBe(name);
      expect(scenario.description.length).toBeGreaterThan(20);
    });

    it("gives many-states at least 10,000 possible workload_type:gpu_type:region states", () => {
      const scenario = loadScenario("many-states");
      const states = new Set<string>();
      for (const tenant of scenario.tenants) {
        for (const workload of tenant.workloads) {
          for (const gpu of workload.gpu_types) {
            for (const region of tenant.regions) states.add(`${workload.workload_type}:${gpu}:${region}`);
          }
        }
      }
      expect(states.size).toBeGreaterThanOrEqual(10_000);
    });

    it("keeps the markets realistic: A100 within $1–4/h and H100 within $2–8/h at the clouds, DePIN cheaper", () => {
      const scenario = loadScenario("calm");
      const price = (id: string, gpu: string) =>
        scenario.providers.find((p) => p.provider_id === id)?.advertised.prices[gpu] as number;
      for (const cloud of ["nimbus-cloud", "stratus-gpu"]) {
        expect(price(cloud, "a100")).toBeGreaterThanOrEqual(1);
        expect(price(cloud, "a100")).toBeLessThanOrEqual(4);
        expect(price(cloud, "h100")).toBeGreaterThanOrEqual(2);
        expect(price(cloud, "h100")).toBeLessThanOrEqual(8);
      }
      for (const depin of scenario.providers.filter((p) => p.kind === "DePIN")) {
        expect(depin.advertised.prices["a100"]).toBeLessThan(price("stratus-gpu", "a100"));
        expect(depin.hidden.failure_rate).toBeGreaterThan(scenario.providers[0]?.hidden.failure_rate as number);
      }
    });
  });

  describe("from a file", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "aurora-sim-"));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it("loads a scenario file by path", () => {
      const file = join(dir, "mine.json");
      writeFileSync(file, JSON.stringify(tinyScenario()));
      expect(loadScenario(file).name).toBe("tiny");
    });

    it("throws a ValidationError naming the field and the file for a bad scenario", () => {
      const file = join(dir, "bad.json");
      const events = [
        { type: "outage", at: 1, provider_id: "cheap" },
        { type: "outage", at: 2, provider_id: "cheap" },
        { type: "outage", at: "soon", provider_id: "cheap" },
      ];
      writeFileSync(file, JSON.stringify({ ...tinyScenario(), events }));
      let caught: unknown;
      try {
        loadScenario(file);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValidationError);
      expect((caught as ValidationError).field).toBe("events[2].at");
      expect((caught as ValidationError).message).toContain(file);
    });

    it("throws a ValidationError for a file that is not JSON", () => {
      const file = join(dir, "broken.json");
      writeFileSync(file, "{ name: ");
      expect(() => loadScenario(file)).toThrow(ValidationError);
      expect(() => loadScenario(file)).toThrow(/^\(root\): is not valid JSON/);
    });

    it("throws ScenarioNotFoundError for a missing file, keeping the cause", () => {
      const file = join(dir, "absent.json");
      let caught: unknown;
      try {
        loadScenario(file);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ScenarioNotFoundError);
      expect((caught as ScenarioNotFoundError).cause).toMatchObject({ code: "ENOENT" });
    });

    it("says a path is a folder instead of calling it missing", () => {
      const folder = join(dir, "market.json");
      mkdirSync(folder);
      let caught: unknown;
      try {
        loadScenario(folder);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ScenarioReadError);
      expect((caught as ScenarioReadError).message).toBe(
        `scenario file "${folder}" could not be read: it is a folder: give the path of a scenario .json file`,
      );
      expect((caught as ScenarioReadError).cause).toMatchObject({ code: "EISDIR" });
      expect(caught).not.toBeInstanceOf(ScenarioNotFoundError);
    });

    // root reads any file whatever its mode.
    it.skipIf(process.getuid?.() === 0)("says a file may not be read instead of calling it missing", () => {
      const file = join(dir, "secret.json");
      writeFileSync(file, JSON.stringify(tinyScenario()));
      chmodSync(file, 0o000);
      expect(() => loadScenario(file)).toThrow(ScenarioReadError);
      expect(() => loadScenario(file)).toThrow(/could not be read: permission denied/);
    });
  });

  it("throws ScenarioNotFoundError listing the built-ins for an unknown name", () => {
    expect(() => loadScenario("blizzard")).toThrow(ScenarioNotFoundError);
    expect(() => loadScenario("blizzard")).toThrow(/"blizzard" was not found: use a built-in name \(calm, price-spike/);
  });
});
