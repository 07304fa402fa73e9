import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { testApp } from "./fixtures.js";

const DASHBOARD = join(dirname(fileURLToPath(import.meta.url)), "..", "grafana", "aurora-sidecar-dashboard.json");

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { expr: string }[];
}

describe("grafana/aurora-sidecar-dashboard.json", () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: Panel[]; uid: string };
  const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  const app = testApp({}, { processMetrics: true });
  afterAll(() => app.close());

  it("only queries metrics the sidecar exports", async () => {
    const exported = new Set(
      (await app.inject({ method: "GET", url: "/metrics" })).body
        .split("\n")
        .filter((line) => line.startsWith("# TYPE "))
        .map((line) => line.split(" ")[2]),
    );
    const queried = new Set(exprs.flatMap((expr) => expr.match(/\b(?:aurora|process|nodejs)_[a-z0-9_]+/g) ?? []));
    expect(queried.size).toBeGreaterThan(0);
    for (const name of queried) expect(exported, name).toContain(name.replace(/_(bucket|sum|count)$/, ""));
  });

  it("charts every metric the issue asks for", () => {
    const all = exprs.join("\n");
    for (const name of [
      "aurora_decisions_total",
      "aurora_feedback_total",
      "aurora_reward_bucket",
      "aurora_decision_duration_seconds_bucket",
      "aurora_epsilon",
      "aurora_q_states",
      "aurora_pending_feedback",
      "aurora_psi_field_up",
      "aurora_fallbacks_total",
      "aurora_settled_decisions_total",
      'outcome="late"',
    ]) {
      expect(all).toContain(name);
    }
  });

  it("gives every panel a unique id", () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
