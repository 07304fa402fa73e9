import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "@aurora/simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { echartsSource } from "./report-html.js";
import type { RunDemoOptions } from "./run-demo.js";
import { runDemo } from "./run-demo.js";
import { formatSummaryText } from "./summary-text.js";

const everything = loadScenario("everything");

describe("runDemo", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-demo-run-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (overrides: Partial<RunDemoOptions> = {}): RunDemoOptions => ({
    scenario: everything,
    scenarioArg: "everything",
    decisions: 1500,
    seed: 1,
    policy: "q-learning",
    outDir: join(dir, "out"),
    psi: false,
    ...overrides,
  });

  describe("determinism", () => {
    it("gives the same summary, result.json and report.html for the same seed, even over an earlier run's model", async () => {
      const first = await runDemo(options());
      const firstResult = readFileSync(first.resultPath, "utf8");
      const firstReport = readFileSync(first.reportPath, "utf8");
      const second = await runDemo(options());
      expect(second.summary).toEqual(first.summary);
      expect(formatSummaryText(second.summary)).toBe(formatSummaryText(first.summary));
      expect(readFileSync(second.resultPath, "utf8")).toBe(firstResult);
      expect(readFileSync(second.reportPath, "utf8")).toBe(firstReport);
    });

    it("gives a different summary for a different seed", async () => {
      const one = await runDemo(options({ seed: 1 }));
      const two = await runDemo(options({ seed: 2, outDir: join(dir, "two") }));
      expect(formatSummaryText(two.summary)).not.toBe(formatSummaryText(one.summary));
      expect(two.summary.rows.map((r) => r.cumulativeRegret)).not.toEqual(one.summary.rows.map((r) => r.cumulativeRegret));
    });

    it("gives the same summary for the same seed with the Ψ-Field stand-in", async () => {
      const first = await runDemo(options({ psi: true }));
      const second = await runDemo(options({ psi: true, outDir: join(dir, "again") }));
      expect(second.summary).toEqual(first.summary);
      expect(second.result).toEqual(first.result);
      const densities = first.result.routers[0]?.extraSeries.psi_density ?? [];
      expect(densities[0]).toBeCloseTo(0.9, 12);
      expect(densities.some((d) => d !== null && d < 0.9)).toBe(true);
    });
  });

  it("runs aurora, the seed's q-learning and the three baselines, in that order", async () => {
    const run = await runDemo(options());
    expect(run.summary.rows.map((r) => r.router)).toEqual(["aurora", "aurora (seed q-learning)", "rule", "random", "oracle"]);
    expect(run.summary.policy).toBe("q-learning (initialQ 15, gamma 0)");
    expect(run.result.decisions).toBe(1500);
    expect(run.result.routers.find((r) => r.name === "oracle")?.cumulativeRegret).toBe(0);
  });

  it("beats the rule router and the seed's q-learning on the everything scenario", async () => {
    const run = await runDemo(options({ decisions: undefined }));
    const regret = (name: string) => run.summary.rows.find((r) => r.router === name)?.cumulativeRegret ?? Number.NaN;
    expect(run.result.decisions).toBe(5000);
    expect(regret("aurora")).toBeLessThan(regret("rule") / 5);
    expect(regret("aurora")).toBeLessThan(regret("aurora (seed q-learning)"));
  });

  it("writes report.html, result.json and both engines' models into the output folder", async () => {
    const run = await runDemo(options());
    const out = join(dir, "out");
    expect(run.reportPath).toBe(join(out, "report.html"));
    expect(run.resultPath).toBe(join(out, "result.json"));
    expect(run.modelPaths).toEqual([join(out, "aurora-model.json"), join(out, "aurora-seed-q-learning-model.json")]);
    for (const path of [run.reportPath, run.resultPath, ...run.modelPaths]) expect(existsSync(path)).toBe(true);
    const model = JSON.parse(readFileSync(run.modelPaths[0] as string, "utf8")) as { decision_count: number };
    expect(model.decision_count).toBe(1500);
    const saved = JSON.parse(readFileSync(run.resultPath, "utf8")) as { summary: unknown };
    expect(saved.summary).toEqual(JSON.parse(JSON.stringify(run.summary)));
  });

  it("writes a report with the chart library inlined and no script from the network", async () => {
    const run = await runDemo(options());
    const page = readFileSync(run.reportPath, "utf8");
    expect(page).toContain(echartsSource());
    // The library's code holds markup strings of its own; look at the page around it.
    const outside = page.replace(echartsSource(), "");
    expect(outside).not.toMatch(/<script[^>]*\bsrc\s*=/i);
    expect(outside).not.toMatch(/\b(src|href)\s*=\s*["']?https?:/i);
  });

  it("reports progress every 100 decisions and at the end", async () => {
    const seen: [number, number][] = [];
    await runDemo(options({ decisions: 250, onProgress: (done, total) => seen.push([done, total]) }));
    expect(seen).toEqual([
      [100, 250],
      [200, 250],
      [250, 250],
    ]);
  });
});
