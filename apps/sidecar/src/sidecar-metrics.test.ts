import { describe, expect, it } from "vitest";
import { parseExposition } from "../test/prometheus-text.js";
import { labelValue, SidecarMetrics } from "./sidecar-metrics.js";

/** The sample lines of `name` (with labels), as `line → value`. */
async function samples(metrics: SidecarMetrics, name: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await metrics.render()).split("\n")) {
    if (line.startsWith("#") || !line.startsWith(name)) continue;
    const cut = line.lastIndexOf(" ");
    out[line.slice(0, cut)] = Number(line.slice(cut + 1));
  }
  return out;
}

describe("SidecarMetrics", () => {
  it("counts decisions by provider and mode, with (none) when nothing was viable", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    metrics.observeDecision("akash", "exploit", 0.0002);
    metrics.observeDecision("akash", "exploit", 0.0002);
    metrics.observeDecision("vast", "explore", 0.0002);
    metrics.observeDecision(null, "none", 0.0001);
    expect(await samples(metrics, "aurora_decisions_total")).toEqual({
      'aurora_decisions_total{provider="akash",mode="exploit"}': 2,
      'aurora_decisions_total{provider="vast",mode="explore"}': 1,
      'aurora_decisions_total{provider="(none)",mode="none"}': 1,
    });
  });

  it("gives at most maxProviderLabels providers a label of their own and counts the rest as (other)", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false, maxProviderLabels: 2 });
    for (const id of ["a", "b", "c", "d", "a"]) metrics.observeDecision(id, "exploit", 0.001);
    expect(await samples(metrics, "aurora_decisions_total")).toEqual({
      'aurora_decisions_total{provider="a",mode="exploit"}': 2,
      'aurora_decisions_total{provider="b",mode="exploit"}': 1,
      'aurora_decisions_total{provider="(other)",mode="exploit"}': 2,
    });
  });

  it("keeps __proto__ and constructor as ordinary provider labels", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    metrics.observeDecision("__proto__", "explore", 0.001);
    metrics.observeDecision("constructor", "explore", 0.001);
    expect(await samples(metrics, "aurora_decisions_total")).toEqual({
      'aurora_decisions_total{provider="__proto__",mode="explore"}': 1,
      'aurora_decisions_total{provider="constructor",mode="explore"}': 1,
    });
  });

  it("puts decision durations in seconds into the latency histogram", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    metrics.observeDecision("a", "exploit", 0.0003);
    metrics.observeDecision("a", "exploit", 0.004);
    const lines = await samples(metrics, "aurora_decision_duration_seconds");
    expect(lines['aurora_decision_duration_seconds_bucket{le="0.00025"}']).toBe(0);
    expect(lines['aurora_decision_duration_seconds_bucket{le="0.0005"}']).toBe(1);
    expect(lines['aurora_decision_duration_seconds_bucket{le="0.005"}']).toBe(2);
    expect(lines.aurora_decision_duration_seconds_count).toBe(2);
    expect(lines.aurora_decision_duration_seconds_sum).toBeCloseTo(0.0043, 10);
  });

  it("counts feedback by outcome and records only learned rewards", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    metrics.observeFeedback("success", 8.28);
    metrics.observeFeedback("failure", -20);
    metrics.observeFeedback("duplicate");
    expect(await samples(metrics, "aurora_feedback_total")).toEqual({
      'aurora_feedback_total{outcome="success"}': 1,
      'aurora_feedback_total{outcome="failure"}': 1,
      'aurora_feedback_total{outcome="unknown_decision"}': 0,
      'aurora_feedback_total{outcome="duplicate"}': 1,
      'aurora_feedback_total{outcome="late"}': 0,
      'aurora_feedback_total{outcome="invalid"}': 0,
    });
    const reward = await samples(metrics, "aurora_reward");
    expect(reward.aurora_reward_count).toBe(2);
    expect(reward.aurora_reward_sum).toBeCloseTo(-11.72, 10);
    expect(reward['aurora_reward_bucket{le="-20"}']).toBe(1);
    expect(reward['aurora_reward_bucket{le="9"}']).toBe(2);
  });

  it("exports every feedback outcome at 0 before the first feedback", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    expect(await samples(metrics, "aurora_feedback_total")).toEqual({
      'aurora_feedback_total{outcome="success"}': 0,
      'aurora_feedback_total{outcome="failure"}': 0,
      'aurora_feedback_total{outcome="unknown_decision"}': 0,
      'aurora_feedback_total{outcome="duplicate"}': 0,
      'aurora_feedback_total{outcome="late"}': 0,
      'aurora_feedback_total{outcome="invalid"}': 0,
    });
  });

  it("exports the engine's gauges as last set", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    metrics.setEngineGauges({ epsilon: 0.0975, qStates: 3, pendingFeedback: 12, psiFieldUp: true, saveFailed: false });
    const text = await metrics.render();
    expect(text).toContain("\naurora_epsilon 0.0975\n");
    expect(text).toContain("\naurora_q_states 3\n");
    expect(text).toContain("\naurora_pending_feedback 12\n");
    expect(text).toContain("\naurora_psi_field_up 1\n");
    expect(text).toContain("\naurora_model_save_failed 0\n");
  });

  it("counts settled decisions by outcome, adding only what the engine's totals gained since the last scrape", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    expect(await samples(metrics, "aurora_settled_decisions_total")).toEqual({
      'aurora_settled_decisions_total{outcome="default"}': 0,
      'aurora_settled_decisions_total{outcome="dropped"}': 0,
    });
    metrics.observeSettlements(2, 1);
    metrics.observeSettlements(2, 1);
    metrics.observeSettlements(5, 1);
    expect(await samples(metrics, "aurora_settled_decisions_total")).toEqual({
      'aurora_settled_decisions_total{outcome="default"}': 5,
      'aurora_settled_decisions_total{outcome="dropped"}': 1,
    });
  });

  it("never counts settlements down when the engine's totals restart lower", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    metrics.observeSettlements(4, 0);
    metrics.observeSettlements(1, 0);
    metrics.observeSettlements(3, 0);
    expect((await samples(metrics, "aurora_settled_decisions_total"))['aurora_settled_decisions_total{outcome="default"}']).toBe(
      6,
    );
  });

  it("counts fallbacks", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    expect(await samples(metrics, "aurora_fallbacks_total")).toEqual({ aurora_fallbacks_total: 0 });
    metrics.observeFallback();
    metrics.observeFallback();
    expect(await samples(metrics, "aurora_fallbacks_total")).toEqual({ aurora_fallbacks_total: 2 });
  });

  it("counts failed attempts by provider, past the label cap as other", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false, maxProviderLabels: 2 });
    metrics.observeFailedAttempts(["akash", "ionet"]);
    metrics.observeFailedAttempts(["akash", "vast"]);
    expect(await samples(metrics, "aurora_failed_attempts_total")).toEqual({
      'aurora_failed_attempts_total{provider="akash"}': 2,
      'aurora_failed_attempts_total{provider="ionet"}': 1,
      'aurora_failed_attempts_total{provider="(other)"}': 1,
    });
  });

  it("exports Node's process metrics unless told not to", async () => {
    expect(await new SidecarMetrics().render()).toContain("process_cpu_user_seconds_total");
    expect(await new SidecarMetrics({ processMetrics: false }).render()).not.toContain("process_cpu_user_seconds_total");
  });

  it("keeps each instance's metrics apart", async () => {
    const one = new SidecarMetrics({ processMetrics: false });
    const two = new SidecarMetrics({ processMetrics: false });
    one.observeFeedback("late");
    expect((await samples(one, "aurora_feedback_total"))['aurora_feedback_total{outcome="late"}']).toBe(1);
    expect((await samples(two, "aurora_feedback_total"))['aurora_feedback_total{outcome="late"}']).toBe(0);
  });

  it("refuses a negative maxProviderLabels", () => {
    expect(() => new SidecarMetrics({ maxProviderLabels: -1 })).toThrow("maxProviderLabels must be a whole number ≥ 0, got -1");
  });
});

describe("provider labels that are not well-formed Unicode", () => {
  it("gives two lone surrogates two distinct, valid series instead of U+FFFD twice", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false });
    metrics.observeDecision("\ud800", "exploit", 0.001);
    metrics.observeDecision("\udc00", "exploit", 0.001);
    metrics.observeDecision("\udc00", "exploit", 0.001);
    // What a scraper receives: the exposition as UTF-8.
    const scraped = Buffer.from(await metrics.render(), "utf8").toString("utf8");
    const decisions = parseExposition(scraped).filter((s) => s.name === "aurora_decisions_total");
    expect(decisions.map((s) => [s.labels.provider, s.value])).toEqual([
      ["\\uD800", 1],
      ["\\uDC00", 2],
    ]);
    expect(scraped).toContain('aurora_decisions_total{provider="\\\\uD800",mode="exploit"} 1');
    expect(scraped).not.toContain("\ufffd");
  });

  it("labels well-formed ids as they are, surrogate pairs (emoji) included", () => {
    for (const id of ["akash", "gpu-☁️", "🚀", "a\\b", 'quote"d', "__proto__"]) expect(labelValue(id)).toBe(id);
  });

  it("escapes lone surrogates as \\uXXXX and, then, backslashes as \\\\, so no two ids share a label", () => {
    expect(labelValue("\ud800")).toBe("\\uD800");
    expect(labelValue("a\udc00b\ud83d")).toBe("a\\uDC00b\\uD83D");
    expect(labelValue("\ud83d\ude80\ud800")).toBe("\ud83d\ude80\\uD800");
    // A well-formed id that holds the escape's text is escaped too, so it cannot meet a lone surrogate's label.
    expect(labelValue("\\uD800")).toBe("\\\\uD800");
    expect(labelValue("\\\ud800")).toBe("\\\\\\uD800");
    const ids = ["\ud800", "\\uD800", "\\\ud800", "\\\\uD800", "\udc00", "\ud800\udc00", "\udc00\ud800", "x\\u12ab", "x\\u12AB"];
    const labels = ids.map(labelValue);
    expect(new Set(labels).size).toBe(ids.length);
    for (const label of labels) expect(Buffer.from(label, "utf8").toString("utf8")).toBe(label);
  });

  it("caps escaped ids like any other, by the id", async () => {
    const metrics = new SidecarMetrics({ processMetrics: false, maxProviderLabels: 1 });
    for (const id of ["\ud800", "\udc00", "\ud800"]) metrics.observeDecision(id, "exploit", 0.001);
    expect(await samples(metrics, "aurora_decisions_total")).toEqual({
      'aurora_decisions_total{provider="\\\\uD800",mode="exploit"}': 2,
      'aurora_decisions_total{provider="(other)",mode="exploit"}': 1,
    });
  });
});
