import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { echartsSource, epsilonNote, renderReportHtml } from "./report-html.js";
import { ROUTER_NAMES } from "./router-names.js";
import { summarize } from "./summary.js";
import { routerResult, simulationResult } from "./testing/simulation-result.js";

const meta = { description: "steady against cheap", policy: "q-learning (initialQ 15, gamma 0)", psi: false };

function html(
  result = simulationResult([routerResult(ROUTER_NAMES.aurora), routerResult(ROUTER_NAMES.rule, { cumulativeRegret: 900 })]),
) {
  return renderReportHtml({
    summary: summarize(result, meta),
    result,
    command: "pnpm demo --scenario tiny --decisions 100 --seed 3 --policy q-learning",
    files: ["result.json", "aurora-model.json"],
  });
}

describe("echartsSource", () => {
  it("is the chart library's own minified build from node_modules", () => {
    const path = createRequire(import.meta.url).resolve("echarts/dist/echarts.min.js");
    expect(echartsSource()).toBe(readFileSync(path, "utf8"));
  });
});

describe("renderReportHtml", () => {
  it("inlines the chart library, so the page opens offline", () => {
    expect(html()).toContain(echartsSource());
  });

  it("loads no script, style or image from anywhere", () => {
    // The inlined library's code holds markup strings of its own; look at the page around it.
    const page = html().replace(echartsSource(), "");
    expect(page).not.toMatch(/<script[^>]*\bsrc\s*=/i);
    expect(page).not.toMatch(/<link[^>]*\bhref\s*=/i);
    expect(page).not.toMatch(/<img[^>]*\bsrc\s*=/i);
    expect(page).not.toMatch(/\b(src|href)\s*=\s*["']?https?:/i);
    expect(page.match(/<script/g)).toHaveLength(2);
  });

  it("shows the headline, the summary table, every chart and how to reproduce the run", () => {
    const page = html();
    expect(page).toContain("aurora&#39;s cumulative regret is 100: 9.0× less than the rule router&#39;s (900).");
    expect(page).toContain("<td><strong>100</strong></td>");
    expect(page).toContain("<td>900</td>");
    for (const id of ["regret", "shareAurora", "shareRule", "shareOracle", "epsilon"]) expect(page).toContain(`<div id="${id}"`);
    expect(page).toContain("<code>pnpm demo --scenario tiny --decisions 100 --seed 3 --policy q-learning</code>");
    expect(page).toContain('const CHART_IDS = ["regret","shareAurora","shareRule","shareOracle","epsilon"];');
  });

  it("escapes provider ids and labels in the table and in the chart data", () => {
    const evil = "</script><img src=x onerror=alert(1)>";
    const share: Record<string, number> = Object.create(null);
    share[evil] = 1;
    const result = simulationResult(
      [routerResult(ROUTER_NAMES.aurora, { share, shareSeries: Object.assign(Object.create(null), { [evil]: [1, 1] }) })],
      {
        providers: [evil],
        events: [{ type: "outage", label: evil, start: 1, end: 2, providerIds: [evil] }],
      },
    );
    const page = html(result);
    expect(page).not.toContain(evil);
    expect(page).toContain("&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62;");
    expect(page).toContain("\\u003c/script>\\u003cimg src=x onerror=alert(1)>");
  });

  it("is the same, byte for byte, for the same result", () => {
    expect(html()).toBe(html());
  });
});

describe("epsilonNote", () => {
  const withEpsilon = (values: (number | null)[]) =>
    simulationResult([
      routerResult(ROUTER_NAMES.aurora, { extraSeries: { epsilon: values } }),
      routerResult(ROUTER_NAMES.seed, { extraSeries: { epsilon: [0.1, 0.05] } }),
    ]);

  it("says that a policy exploring by an uncertainty bonus (lin-ucb) shows ε 0, not that the lines coincide", () => {
    const note = epsilonNote(withEpsilon([0, 0, null]), "lin-ucb");
    expect(note).toContain("aurora's policy, lin-ucb, does not explore at random");
    expect(note).toContain("its ε is 0 throughout");
    expect(note).not.toContain("coincide");
  });

  it("says that an ε-greedy policy has its own ε", () => {
    expect(epsilonNote(withEpsilon([0.1, 0.05]), "q-learning")).toContain("aurora's policy, q-learning, has its own ε");
  });

  it("is the report's note under the ε chart", () => {
    expect(html(withEpsilon([0, 0]))).toContain("does not explore at random");
  });
});
