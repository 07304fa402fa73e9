import { describe, expect, it } from "vitest";
import { OutcomeStats } from "./outcome-stats.js";

describe("OutcomeStats", () => {
  it("is all zeros before any outcome", () => {
    const stats = new OutcomeStats();
    expect([stats.count, stats.successRate, stats.avgCostUsd, stats.avgLatencyMs]).toEqual([0, 0, 0, 0]);
  });

  it("averages over every outcome, failures included", () => {
    const stats = new OutcomeStats();
    stats.add({ decision_id: "a", success: true, actual_cost_usd: 2, actual_latency_ms: 100 });
    stats.add({ decision_id: "b", success: false, actual_cost_usd: 4, actual_latency_ms: 300 });
    stats.add({ decision_id: "c", success: true, actual_cost_usd: 0, actual_latency_ms: 200 });
    stats.add({ decision_id: "d", success: true, actual_cost_usd: 6, actual_latency_ms: 0 });
    expect(stats.count).toBe(4);
    expect(stats.successRate).toBe(0.75);
    expect(stats.avgCostUsd).toBe(3);
    expect(stats.avgLatencyMs).toBe(150);
  });
});
