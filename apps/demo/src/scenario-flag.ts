import { AuroraError } from "@aurora/domain";
import type { Scenario } from "@aurora/simulator";
import { loadScenario, Market } from "@aurora/simulator";
import { UsageError } from "./usage-error.js";

/**
 * Loads `--scenario`'s value; a missing, unreadable or invalid file is a `UsageError` naming the
 * flag. With the run's length and seed, it also places the events on the run's steps, so what the
 * run would refuse only then (a provider leaving before it joins, price spikes that multiply
 * beyond a request's limit) is refused before anything runs.
 */
export function loadScenarioFlag(value: string, run?: { seed: number; decisions: number | undefined }): Scenario {
  try {
    const scenario = loadScenario(value);
    if (run !== undefined) new Market(scenario, { seed: run.seed, decisions: run.decisions ?? scenario.decisions });
    return scenario;
  } catch (error) {
    if (error instanceof AuroraError) throw new UsageError("--scenario", error.message, { cause: error });
    throw error;
  }
}
