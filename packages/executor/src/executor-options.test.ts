import { ManualClock, systemClock, ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_PENDING,
  DEFAULT_REMEMBER_SETTLED,
  DEFAULT_REWARD_WAIT_MS,
  resolveExecutorOptions,
} from "./executor-options.js";
import { DEFAULT_REWARD_WEIGHTS } from "./reward-weights.js";

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

describe("resolveExecutorOptions", () => {
  it("defaults to the system clock, random UUIDs, the seed's weights, a 48 h wait and 100,000-entry bounds", () => {
    const resolved = resolveExecutorOptions();
    expect(resolved.clock).toBe(systemClock);
    expect(resolved.newId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(resolved.rewardWeights).toBe(DEFAULT_REWARD_WEIGHTS);
    expect(resolved.rewardWaitMs).toBe(172_800_000);
    expect(DEFAULT_REWARD_WAIT_MS).toBe(172_800_000);
    expect(resolved.settleGraceMs).toBe(0);
    expect(resolved.maxPending).toBe(100_000);
    expect(DEFAULT_MAX_PENDING).toBe(100_000);
    expect(resolved.rememberSettled).toBe(100_000);
    expect(DEFAULT_REMEMBER_SETTLED).toBe(100_000);
  });

  it("keeps what it is given", () => {
    const clock = new ManualClock(5);
    const newId = () => "x";
    const resolved = resolveExecutorOptions({
      clock,
      newId,
      rewardWaitMs: Infinity,
      settleGraceMs: 2_000,
      maxPending: 1,
      rememberSettled: 0,
      rewardWeights: { cost: 3 },
      parsedOutcomes: true,
    });
    expect(resolved).toEqual({
      clock,
      newId,
      rewardWaitMs: Infinity,
      settleGraceMs: 2_000,
      maxPending: 1,
      rememberSettled: 0,
      rewardWeights: { ...DEFAULT_REWARD_WEIGHTS, cost: 3 },
      parsedOutcomes: true,
      freshIds: false,
    });
  });

  it("trusts only its own UUIDs to be fresh, and parses outcomes unless told they are parsed", () => {
    expect(resolveExecutorOptions()).toMatchObject({ freshIds: true, parsedOutcomes: false });
    expect(resolveExecutorOptions({ newId: () => "x" }).freshIds).toBe(false);
  });

  describe("invalid", () => {
    it("refuses a wait that is not a positive number of milliseconds", () => {
      expect(fieldOf(() => resolveExecutorOptions({ rewardWaitMs: 0 }))).toBe("rewardWaitMs");
      expect(fieldOf(() => resolveExecutorOptions({ rewardWaitMs: Number.NaN }))).toBe("rewardWaitMs");
      expect(fieldOf(() => resolveExecutorOptions({ rewardWaitMs: "1h" as never }))).toBe("rewardWaitMs");
    });

    it("refuses a grace that is not a finite number of milliseconds ≥ 0", () => {
      for (const settleGraceMs of [-1, Number.NaN, Infinity, "5s"]) {
        expect(fieldOf(() => resolveExecutorOptions({ settleGraceMs: settleGraceMs as never }))).toBe("settleGraceMs");
      }
    });

    it("refuses a pending cap below 1, fractional or unbounded", () => {
      expect(fieldOf(() => resolveExecutorOptions({ maxPending: 0 }))).toBe("maxPending");
      expect(fieldOf(() => resolveExecutorOptions({ maxPending: 1.5 }))).toBe("maxPending");
      expect(fieldOf(() => resolveExecutorOptions({ maxPending: Infinity }))).toBe("maxPending");
    });

    it("refuses a negative or unbounded memory of finished ids", () => {
      expect(fieldOf(() => resolveExecutorOptions({ rememberSettled: -1 }))).toBe("rememberSettled");
      expect(fieldOf(() => resolveExecutorOptions({ rememberSettled: Infinity }))).toBe("rememberSettled");
    });

    it("refuses a clock without now()", () => {
      expect(fieldOf(() => resolveExecutorOptions({ clock: {} as never }))).toBe("clock");
    });

    it("refuses a parsedOutcomes that is not true or false", () => {
      expect(fieldOf(() => resolveExecutorOptions({ parsedOutcomes: "yes" as never }))).toBe("parsedOutcomes");
    });

    it("refuses an id maker that is not a function", () => {
      expect(fieldOf(() => resolveExecutorOptions({ newId: "id" as never }))).toBe("newId");
    });

    it("refuses bad reward weights, naming the weight", () => {
      expect(fieldOf(() => resolveExecutorOptions({ rewardWeights: { latency_divisor: -1 } }))).toBe(
        "rewardWeights.latency_divisor",
      );
    });
  });
});
