import { AuroraError } from "@aurora/domain";

/** `loadScenario` was given a name that is not built in, or a path with no file. */
export class ScenarioNotFoundError extends AuroraError {
  readonly scenario: string;

  constructor(scenario: string, builtIns: readonly string[], options?: { cause?: unknown }) {
    super(
      "SCENARIO_NOT_FOUND",
      `scenario "${scenario}" was not found: use a built-in name (${builtIns.join(", ")}) or a path to a scenario .json file`,
      options,
    );
    this.scenario = scenario;
  }
}

/** A router threw (or its feedback promise rejected) during a simulation; `cause` holds the original error. */
export class RouterFailedError extends AuroraError {
  readonly router: string;
  readonly step: number;

  constructor(router: string, step: number, phase: "start" | "decide" | "feedback", cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super("ROUTER_FAILED", `router "${router}" failed in ${phase}() at step ${step}: ${reason}`, { cause });
    this.router = router;
    this.step = step;
  }
}
