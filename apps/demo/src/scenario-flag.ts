import { AuroraError } from "@aurora/domain";
import type { Scenario } from "@aurora/simulator";
import { loadScenario } from "@aurora/simulator";
import { UsageError } from "./usage-error.js";

/** Loads `--scenario`'s value; a missing or invalid file is a `UsageError` naming the flag. */
export function loadScenarioFlag(value: string): Scenario {
  try {
    return loadScenario(value);
  } catch (error) {
    if (error instanceof AuroraError) throw new UsageError("--scenario", error.message, { cause: error });
    throw error;
  }
}
