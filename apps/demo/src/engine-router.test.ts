import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RoutingEngine } from "@aurora/engine";
import { computeReward, DEFAULT_REWARD_WEIGHTS } from "@aurora/executor";
import type { RewardFn } from "@aurora/simulator";
import { runSimulation } from "@aurora/simulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { demoPolicyConfig } from "./demo-policy.js";
import { EngineRouter } from "./engine-router.js";
import { PsiFieldStandIn } from "./psi-field-stand-in.js";
import { psiFieldState } from "./psi-script.js";
import { tinyScenario } from "./testing/simulation-result.js";

const reward: RewardFn = (outcome, reputation) => computeReward(outcome, DEFAULT_REWARD_WEIGHTS, reputation);

/** Mean of ε·decay^k·factor over k = from … from+n−1: the seed's ε decays once per outcome. */
function meanEpsilon(from: number, n: number, factor = 1): number {
  let sum = 0;
  for (let k = from; k < from + n; k++) sum += Math.max(0.01, 0.1 * 0.995 ** k) * factor;
  return sum / n;
}

describe("EngineRouter", () => {
  let dir: string;
  let field: PsiFieldStandIn | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-demo-router-"));
  });
  afterEach(async () => {
    await field?.close();
    field = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("routes the simulated market and reports each decision's effective ε as a series", async () => {
    const router = await EngineRouter.open({ name: "aurora", policy: demoPolicyConfig("q-learning"), seed: 1 });
    const result = await runSimulation({ scenario: tinyScenario(), seed: 1, reward, routers: [router], sampleEvery: 50 });
    await router.close();
    const [epsilon1, epsilon2] = result.routers[0]?.extraSeries.epsilon ?? [];
    expect(epsilon1).toBeCloseTo(meanEpsilon(0, 50), 12);
    expect(epsilon2).toBeCloseTo(meanEpsilon(50, 50), 12);
    expect(result.routers[0]?.extraSeries.psi_density).toBeUndefined();
    expect(result.routers[0]?.violationRate).toBe(0);
    expect(router.getStatus().executor.total_decisions).toBe(100);
  });

  it("learns to prefer the provider that does not fail", async () => {
    const router = await EngineRouter.open({ name: "aurora", policy: demoPolicyConfig("q-learning"), seed: 1 });
    const result = await runSimulation({
      scenario: tinyScenario({ decisions: 400 }),
      seed: 1,
      reward,
      routers: [router],
      sampleEvery: 100,
    });
    await router.close();
    expect(result.routers[0]?.shareSeries.steady?.[3]).toBeGreaterThan(0.9);
  });

  it("writes a model that a new engine resumes from", async () => {
    const modelPath = join(dir, "model.json");
    const router = await EngineRouter.open({ name: "aurora", policy: demoPolicyConfig("q-learning"), seed: 1 });
    await runSimulation({ scenario: tinyScenario(), seed: 1, reward, routers: [router] });
    const before = router.getStatus().strategist;
    router.saveModel(modelPath);
    await router.close();
    const model = JSON.parse(readFileSync(modelPath, "utf8")) as { policy: string; params: { initialQ: number; gamma: number } };
    expect(model.policy).toBe("q-learning");
    expect(model.params).toMatchObject({ initialQ: 15, gamma: 0 });
    const resumed = new RoutingEngine({ modelPath, autoSave: false });
    try {
      expect(resumed.getStatus().strategist).toEqual(before);
    } finally {
      await resumed.close();
    }
  });

  describe("with the Ψ-Field stand-in", () => {
    it("decides each step with the density scripted for it, asking the field only when it changes", async () => {
      field = await PsiFieldStandIn.start({ state: psiFieldState(0.5, 0) });
      const densityAt = (step: number) => (step < 50 ? 0.9 : 0.2);
      const router = await EngineRouter.open({
        name: "aurora",
        policy: demoPolicyConfig("q-learning"),
        seed: 1,
        psi: { field, densityAt },
      });
      const result = await runSimulation({ scenario: tinyScenario(), seed: 1, reward, routers: [router], sampleEvery: 50 });
      await router.close();
      const series = result.routers[0]?.extraSeries;
      expect(series?.psi_density).toHaveLength(2);
      expect(series?.psi_density?.[0]).toBeCloseTo(0.9, 12);
      expect(series?.psi_density?.[1]).toBeCloseTo(0.2, 12);
      expect(series?.epsilon?.[0]).toBeCloseTo(meanEpsilon(0, 50, 1 - 0.5 * 0.9), 12);
      expect(series?.epsilon?.[1]).toBeCloseTo(meanEpsilon(50, 50, 1 - 0.5 * 0.2), 12);
      expect(field.stateRequests).toBe(2);
    });

    it("fails the run with PsiSyncError when the field stops answering", async () => {
      field = await PsiFieldStandIn.start({ state: psiFieldState(0.9, 0) });
      const router = await EngineRouter.open({
        name: "aurora",
        policy: demoPolicyConfig("q-learning"),
        seed: 1,
        psi: { field, densityAt: (step) => (step < 10 ? 0.9 : 0.2) },
      });
      await field.close();
      field = undefined;
      const run = runSimulation({ scenario: tinyScenario(), seed: 1, reward, routers: [router] });
      await expect(run).rejects.toThrow(
        /router "aurora" failed in feedback\(\) at step 9: the Ψ-Field stand-in at http:\/\/127\.0\.0\.1:\d+ did not give the engine its current value/,
      );
      await router.close();
    });
  });
});
