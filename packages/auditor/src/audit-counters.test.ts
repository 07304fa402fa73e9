import { describe, expect, it } from "vitest";
import { AuditCounters, violationIndexOf } from "./audit-counters.js";

describe("violationIndexOf", () => {
  it("knows the violation types and nothing else", () => {
    expect(violationIndexOf("price_exceeded")).toBe(0);
    expect(violationIndexOf("cost_exceeded")).toBe(6);
    expect(violationIndexOf("__proto__")).toBe(-1);
    expect(violationIndexOf("toString")).toBe(-1);
    expect(violationIndexOf(3)).toBe(-1);
  });
});

describe("AuditCounters", () => {
  it("reports zero rates and no violations when empty", () => {
    expect(new AuditCounters().stats()).toEqual({
      total_entries: 0,
      approval_rate: 0,
      rejection_rate: 0,
      flagged_rate: 0,
      common_violations: [],
      anomalies: { q_value_spike: 0, underperforming_provider: 0 },
    });
  });

  it("lists violations most frequent first, ties in VIOLATION_TYPES order, zero counts left out", () => {
    const counters = new AuditCounters();
    counters.countEntry("flagged", ["cost_exceeded", "latency_exceeded"]);
    counters.countEntry("flagged", ["region_mismatch", "latency_exceeded"]);
    counters.countEntry("rejected", ["cost_exceeded", "price_exceeded"]);
    counters.countEntry("approved", []);
    counters.countAnomaly("underperforming_provider");
    expect(counters.stats()).toEqual({
      total_entries: 4,
      approval_rate: 0.25,
      rejection_rate: 0.25,
      flagged_rate: 0.5,
      common_violations: [
        { type: "latency_exceeded", count: 2 },
        { type: "cost_exceeded", count: 2 },
        { type: "price_exceeded", count: 1 },
        { type: "region_mismatch", count: 1 },
      ],
      anomalies: { q_value_spike: 0, underperforming_provider: 1 },
    });
  });

  it("writes its counts by name and puts them back into new counters", () => {
    const counters = new AuditCounters();
    counters.countEntry("flagged", ["cost_exceeded", "latency_exceeded"]);
    counters.countEntry("rejected", ["cost_exceeded"]);
    counters.countEntry("approved", []);
    counters.countAnomaly("q_value_spike");
    const json = counters.toJSON();
    expect(json).toEqual({
      approved: 1,
      flagged: 1,
      rejected: 1,
      violations: { latency_exceeded: 1, cost_exceeded: 2 },
      anomalies: { q_value_spike: 1 },
    });
    const restored = new AuditCounters();
    restored.restore(JSON.parse(JSON.stringify(json)), "counters");
    expect(restored.stats()).toEqual(counters.stats());
    restored.countEntry("approved", []);
    expect(restored.stats().total_entries).toBe(4);
  });
});
