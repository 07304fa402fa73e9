import { formatPath } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { logLine } from "../test/log-lines.js";
import { decisionLogLineSchema } from "./decision-log-line.js";

function firstIssue(value: unknown): { field: string; message: string } | undefined {
  const result = decisionLogLineSchema.safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  return { field: formatPath(issue.path), message: issue.message };
}

describe("decisionLogLineSchema", () => {
  it("accepts a decision with its candidates, propensity, reward and outcome", () => {
    const parsed = decisionLogLineSchema.parse(logLine());
    expect(parsed.chosen).toBe("a");
    expect(parsed.candidates.map((c) => c.provider_id)).toEqual(["a", "b"]);
    expect(parsed.outcome).toEqual({ success: true, actual_cost_usd: 5, actual_latency_ms: 120 });
  });

  it("accepts a settled decision without outcome, with or without a reward", () => {
    expect(firstIssue(logLine({ resolution: "expired", outcome: null, reward: -20 }))).toBeUndefined();
    expect(firstIssue(logLine({ resolution: "evicted", outcome: null, reward: null }))).toBeUndefined();
  });

  it("accepts the bounds: propensity 1e-100, inverse_propensity 1e100, reward ±1e16", () => {
    expect(firstIssue(logLine({ propensity: 1e-100, inverse_propensity: 1e100, reward: 1e16 }))).toBeUndefined();
    expect(firstIssue(logLine({ reward: -1e16 }))).toBeUndefined();
  });

  it("ignores keys it does not know, so later writers may add fields", () => {
    expect(decisionLogLineSchema.parse({ ...logLine(), shard: 3 })).not.toHaveProperty("shard");
  });

  describe("invalid", () => {
    it.each([
      [{ chosen: "z" }, "chosen", '"z" is not among the candidates'],
      [{ propensity: 0 }, "propensity", "must be > 0"],
      [{ propensity: 1.5 }, "propensity", "must be at most 1"],
      [{ propensity: 1e-310 }, "propensity", "must be at least 1e-100"],
      [{ propensity: 1e-300 }, "propensity", "must be at least 1e-100"],
      [{ propensity: 9.9e-101 }, "propensity", "must be at least 1e-100"],
      [{ inverse_propensity: 1e308 }, "inverse_propensity", "must be at most 1e100"],
      [{ inverse_propensity: 1.01e100 }, "inverse_propensity", "must be at most 1e100"],
      [{ reward: 1e308 }, "reward", "must be within ±1e16"],
      [{ reward: -1.0000001e16 }, "reward", "must be within ±1e16"],
      [{ timestamp: "yesterday" }, "timestamp", "must be an ISO 8601 date-time"],
      [{ mode: 3 }, "mode", 'must be a string such as "explore"'],
      [{ reward: null }, "reward", 'must be a number when resolution is "feedback"'],
      [{ outcome: null }, "outcome", 'must be the outcome when resolution is "feedback"'],
      [{ resolution: "expired", reward: -20 }, "outcome", 'must be null when resolution is "expired"'],
      [{ candidates: [] }, "candidates", "must list at least one provider"],
      [{ chosen_reward: -20 }, "chosen_reward", "must come with an outcome whose failed_before names chosen"],
      [
        {
          chosen_reward: -20,
          outcome: { success: true, actual_cost_usd: 5, actual_latency_ms: 120, provider_id: "b", failed_before: ["b"] },
        },
        "chosen_reward",
        "must come with an outcome whose failed_before names chosen",
      ],
      [{ chosen_reward: 1e17 }, "chosen_reward", "must be within ±1e16"],
    ])("refuses %j naming %s", (override, field, message) => {
      const issue = firstIssue(logLine(override as never));
      expect(issue?.field).toBe(field);
      expect(issue?.message).toContain(message);
    });

    it("names the field of a bad candidate", () => {
      const line = logLine();
      (line.candidates as { price_usd_per_hour: number }[])[1]!.price_usd_per_hour = -1;
      expect(firstIssue(line)?.field).toBe("candidates[1].price_usd_per_hour");
    });
  });
});
