import { type Clock, systemClock, ValidationError } from "@aurora/domain";
import { type RewardWeights, resolveRewardWeights } from "./reward-weights.js";
import { createUuidV4Source } from "./uuid-v4.js";

/**
 * 48 hours. GPU jobs run for many hours (a fine-tune or a render of a day is common) and their
 * outcome is reported when they finish, sometimes after a retry or a batch upload of results;
 * two days covers a one-day job with a day of slack, while `maxPending` still bounds memory.
 */
export const DEFAULT_REWARD_WAIT_MS = 48 * 60 * 60 * 1000;
export const DEFAULT_MAX_PENDING = 100_000;
export const DEFAULT_REMEMBER_SETTLED = 100_000;

export interface ExecutorOptions {
  /** Source of time; default `systemClock`. */
  clock?: Clock;
  /** Makes a decision id when `recordDecision` is given none; default: random (v4) UUIDs, as `crypto.randomUUID` makes. */
  newId?: () => string;
  /** Overrides of `DEFAULT_REWARD_WEIGHTS`. */
  rewardWeights?: Partial<RewardWeights>;
  /** Milliseconds a decision waits for feedback before it is settled as `expired`; default 48 h. `Infinity` never expires. */
  rewardWaitMs?: number;
  /**
   * Milliseconds past a decision's reward wait before it is settled as `expired`. Feedback
   * arriving in them is already refused as late, but an outcome accepted in time elsewhere (another
   * replica's, `prepareOutcome(outcome, { afterWait: true })`) is still learned. Default 0. The
   * engine sets it from a store shared by replicas (`EngineStore.settleGraceMs`).
   */
  settleGraceMs?: number;
  /** Most decisions pending at once; past it the oldest is settled as `evicted`. Default 100,000. */
  maxPending?: number;
  /** How many finished (fed back or settled) ids are remembered to tell duplicate and late feedback apart from unknown. Default 100,000. */
  rememberSettled?: number;
  /**
   * The outcomes given to `recordOutcome` were already parsed with `outcomeSchema` (RoutingEngine
   * parses every outcome before it gets here), so they are not parsed a second time. Default false.
   */
  parsedOutcomes?: boolean;
}

export interface ResolvedExecutorOptions {
  clock: Clock;
  newId: () => string;
  rewardWeights: RewardWeights;
  rewardWaitMs: number;
  settleGraceMs: number;
  maxPending: number;
  rememberSettled: number;
  parsedOutcomes: boolean;
  /** `newId` is the built-in UUID source: its ids are fresh by construction (122 random bits). */
  freshIds: boolean;
}

/** Fills defaults and refuses unusable options with a `ValidationError` naming the option. */
export function resolveExecutorOptions(options: ExecutorOptions = {}): ResolvedExecutorOptions {
  if (options === null || typeof options !== "object") {
    throw ValidationError.forField(
      "(root)",
      `the executor's options must be an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock !== "object" || clock === null || typeof clock.now !== "function") {
    throw ValidationError.forField("clock", "must be an object with a now() method returning epoch milliseconds");
  }
  const newId = options.newId ?? createUuidV4Source();
  if (typeof newId !== "function") {
    throw ValidationError.forField("newId", "must be a function returning a fresh decision id");
  }
  const rewardWaitMs = options.rewardWaitMs ?? DEFAULT_REWARD_WAIT_MS;
  if (typeof rewardWaitMs !== "number" || Number.isNaN(rewardWaitMs) || rewardWaitMs <= 0) {
    throw ValidationError.forField(
      "rewardWaitMs",
      `must be a number of milliseconds > 0 (Infinity to never expire), got ${String(rewardWaitMs)}`,
    );
  }
  const settleGraceMs = options.settleGraceMs ?? 0;
  if (typeof settleGraceMs !== "number" || !Number.isFinite(settleGraceMs) || settleGraceMs < 0) {
    throw ValidationError.forField("settleGraceMs", `must be a finite number of milliseconds ≥ 0, got ${String(settleGraceMs)}`);
  }
  return {
    clock,
    newId,
    rewardWeights: resolveRewardWeights(options.rewardWeights),
    rewardWaitMs,
    settleGraceMs,
    maxPending: count("maxPending", options.maxPending ?? DEFAULT_MAX_PENDING, 1),
    rememberSettled: count("rememberSettled", options.rememberSettled ?? DEFAULT_REMEMBER_SETTLED, 0),
    parsedOutcomes: flag("parsedOutcomes", options.parsedOutcomes),
    freshIds: options.newId === undefined,
  };
}

function flag(field: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw ValidationError.forField(field, `must be true or false, got ${String(value)}`);
  return value;
}

function count(field: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw ValidationError.forField(field, `must be a whole number ≥ ${min} (memory stays bounded by it), got ${String(value)}`);
  }
  return value;
}
