import type { Rng } from "@aurora/domain";
import { ValidationError } from "@aurora/domain";
import type { RecordedChoice } from "./policy.js";
import type { JsonObject } from "./snapshot-fields.js";
import { own, requireSnapshotHead } from "./snapshot-fields.js";

/** The `rng` option: a function, or `Math.random` when absent. */
export function requireRng(rng: unknown): Rng {
  if (rng === undefined) return Math.random;
  if (typeof rng !== "function") {
    throw ValidationError.forField(
      "rng",
      "must be a function returning numbers in [0, 1), e.g. createRng(42) from @aurora/domain",
    );
  }
  return rng as Rng;
}

/**
 * Reads a learning policy's snapshot head and settings: checks `format`, `version` and
 * `policy`, validates the options given and the snapshot's `params`, and returns the
 * snapshot with the params to build the policy with — the saved ones, each overridden by an
 * option given (one set to `undefined` keeps the saved value).
 */
export function snapshotSettings<P extends object>(
  kind: string,
  resolve: (input: unknown, root?: string) => P,
  snapshot: unknown,
  options: object,
): { snapshot: JsonObject; params: P } {
  const value = requireSnapshotHead(snapshot, kind);
  resolve(options);
  const saved = resolve(own(value, "params"), "params");
  const params = { ...saved };
  for (const [key, option] of Object.entries(options)) {
    if (option !== undefined) (params as Record<string, unknown>)[key] = option;
  }
  return { snapshot: value, params: resolve(params) };
}

/** The last decision's ε after replaying a recorded one: the ε it reported, when that is one (0 to 1); else `current`. */
export function replayedLastEpsilon(recorded: RecordedChoice, current: number): number {
  const { epsilon } = recorded;
  return typeof epsilon === "number" && epsilon >= 0 && epsilon <= 1 ? epsilon : current;
}

/** A snapshot's `last_epsilon` (a Thompson policy's last exploration probability): 0 to 1, or 0 when absent. */
export function restoreLastEpsilon(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw ValidationError.forField("last_epsilon", "must be a number from 0 to 1");
  }
  return value;
}
