import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ValidationError } from "@aurora/domain";
import { ScenarioNotFoundError, ScenarioReadError } from "./errors.js";
import { parseScenario, type Scenario } from "./scenario.js";

const BUILT_IN = ["calm", "price-spike", "outage", "latency-spike", "newcomer", "everything", "many-states"] as const;

/** The built-in scenarios' names, loadable with `loadScenario(name)`. */
export function listScenarios(): string[] {
  return [...BUILT_IN];
}

/** The folder holding the built-in scenario files (`scenarios/` at the package root). */
export function scenariosDirectory(): string {
  // One level below the package root both as src/*.ts (tests) and as the bundled dist/index.*.
  return fileURLToPath(new URL("../scenarios/", import.meta.url));
}

/**
 * A built-in scenario by name, or a scenario file by path (relative to the working directory).
 * A missing file throws `ScenarioNotFoundError`; one that cannot be read (a folder, no permission)
 * `ScenarioReadError` saying why; a bad one a `ValidationError` naming the field.
 */
export function loadScenario(nameOrPath: string): Scenario {
  const builtIn = (BUILT_IN as readonly string[]).includes(nameOrPath);
  const looksLikePath = /[\\/]/.test(nameOrPath) || nameOrPath.endsWith(".json");
  if (!builtIn && !looksLikePath) throw new ScenarioNotFoundError(nameOrPath, BUILT_IN);
  const file = builtIn ? resolve(scenariosDirectory(), `${nameOrPath}.json`) : resolve(nameOrPath);

  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new ScenarioNotFoundError(nameOrPath, BUILT_IN, { cause: error });
    throw new ScenarioReadError(nameOrPath, file, error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError([{ field: "(root)", message: `is not valid JSON: ${reason} (in ${file})` }], { cause: error });
  }
  return parseScenario(value, file);
}
