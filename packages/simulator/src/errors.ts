import { AuroraError } from "@aurora/domain";

/** `loadScenario` was given a name that is not built in, or a path where there is no file. */
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

/** A scenario file exists but could not be read (a folder, no permission, …); `cause` holds the system error. */
export class ScenarioReadError extends AuroraError {
  readonly scenario: string;
  readonly file: string;

  constructor(scenario: string, file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const reason =
      code === "EISDIR"
        ? "it is a folder: give the path of a scenario .json file"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied: make the file readable, or copy it somewhere readable"
          : `${cause instanceof Error ? cause.message : String(cause)}: check the path and that it is a readable file`;
    super("SCENARIO_UNREADABLE", `scenario file "${file}" could not be read: ${reason}`, { cause });
    this.scenario = scenario;
    this.file = file;
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
