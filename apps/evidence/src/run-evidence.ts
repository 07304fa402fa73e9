import { computeReward } from "@aurora/executor";
import type { RewardFn, Scenario } from "@aurora/simulator";
import { runSimulation } from "@aurora/simulator";
import type { Contender } from "./contenders.js";
import type { RegretSamples } from "./regret-table.js";
import { addSample } from "./regret-table.js";

/** The engine's default reward, as the simulator needs it (outcomes carry no actual reputation). */
export const engineReward: RewardFn = (outcome, advertisedReputation) => computeReward(outcome, undefined, advertisedReputation);

/** A scenario of the evidence: loaded (and checked) once, shown under the name it was given. */
export interface EvidenceScenario {
  /** A built-in name or a file as given on the command line: the table's column. */
  name: string;
  scenario: Scenario;
}

export interface EvidenceRun {
  scenarios: readonly EvidenceScenario[];
  /** Seeds 1..seeds for every scenario but `many-states`. */
  seeds: number;
  /** Seeds for `many-states` (20,000 steps, 10,800 states: the slow one). */
  largeSeeds: number;
  /** Steps per run; default the scenario's own. */
  decisions?: number;
  contenders: readonly Contender[];
  /** Called after each run (scenario, seed) with its wall time in ms. */
  onRun?: (scenario: string, seed: number, ms: number) => void;
}

/**
 * Runs every contender over every scenario and seed, all contenders of a run together (so
 * they face the same requests and outcomes), and collects each one's cumulative regret.
 */
export async function runEvidence(run: EvidenceRun): Promise<RegretSamples> {
  const samples: RegretSamples = new Map();
  for (const { name, scenario } of run.scenarios) {
    const seeds = name === "many-states" ? run.largeSeeds : run.seeds;
    for (let seed = 1; seed <= seeds; seed++) {
      const started = performance.now();
      const result = await runSimulation({
        scenario,
        seed,
        reward: engineReward,
        routers: run.contenders.map((c) => c.create(seed)),
        ...(run.decisions !== undefined ? { decisions: run.decisions } : {}),
      });
      for (const router of result.routers) addSample(samples, router.name, name, router.cumulativeRegret);
      run.onRun?.(name, seed, performance.now() - started);
    }
  }
  return samples;
}
