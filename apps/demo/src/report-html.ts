import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { SimulationResult } from "@aurora/simulator";
import type { ReportCharts } from "./chart-options.js";
import { buildCharts, providerColor, routerColor } from "./chart-options.js";
import { formatNumber, formatOptional, formatPercent } from "./format-number.js";
import { ROUTER_NAMES } from "./router-names.js";
import type { DemoSummary, SummaryRow } from "./summary.js";

export interface ReportInput {
  summary: DemoSummary;
  result: SimulationResult;
  /** The command that reproduces this run, shown in the footer. */
  command: string;
  /** Names (not paths) of the files written beside the report. */
  files: string[];
}

/** The chart library's own minified build, from `node_modules`: the report never loads anything. */
export function echartsSource(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve("echarts/dist/echarts.min.js"), "utf8");
}

/**
 * The report as one self-contained HTML page: the summary table, the charts (ECharts, inlined)
 * and how to read them. Same input, same bytes: it holds no time of day and no absolute path.
 */
export function renderReportHtml(input: ReportInput, library: string = echartsSource()): string {
  const { summary } = input;
  const charts = buildCharts(input.result);
  const chartIds = Object.keys(charts) as (keyof ReportCharts)[];
  const title = `Aurora demo — ${summary.scenario}, seed ${summary.seed}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>Aurora: learned routing against fixed rules</h1>
<p class="lead">Scenario <strong>${escapeHtml(summary.scenario)}</strong> — ${escapeHtml(summary.description)}</p>
<p class="meta">${formatNumber(summary.decisions)} decisions · seed ${summary.seed} · aurora's policy: ${escapeHtml(summary.policy)} · Ψ-Field: ${summary.psi ? "local stand-in (scripted)" : "none"}</p>
</header>
<p class="headline">${escapeHtml(summary.headline)}</p>
${summaryTable(summary)}
<section class="chart-block">
<div id="regret" class="chart tall"></div>
<p class="note">Each line adds up, decision by decision, how much expected reward a router gave up against the oracle, which knows every provider's hidden failure rate, latency and cost. A line that flattens has learned the market; a line that steepens after a dashed event line was caught out by it.</p>
</section>
<section class="chart-block">
<div id="shareAurora" class="chart" style="height:${shareChartHeight(summary.events.length)}px"></div>
<div class="row">
<div id="shareRule" class="chart"></div>
<div id="shareOracle" class="chart"></div>
</div>
<p class="note">Share of each window's jobs (${formatNumber(input.result.sampleEvery)} decisions a window) sent to each provider. The numbered strip lists the scenario's events; the grey bar is how long each is in force. The rule router reads only what providers advertise, so a hidden outage or latency spike does not move it; aurora learns from outcomes, so its mix shifts after the market does. The oracle shows where the jobs should have gone.</p>
</section>
<section class="chart-block">
<div id="epsilon" class="chart"></div>
<p class="note">ε is the chance that a decision explores (picks a provider at random) instead of taking the best-known one. ${escapeHtml(epsilonNote(input.result, summary.policy))} With a Ψ-Field, an ε-greedy engine explores at ε·(1 − 0.5·density).${summary.psi ? " The stand-in's density is scripted: 0.2 for a while after the market changes, 0.9 otherwise." : ""}</p>
</section>
<footer>
<p>Reproduce: <code>${escapeHtml(input.command)}</code></p>
<p>Written beside this report: ${input.files.map((f) => `<code>${escapeHtml(f)}</code>`).join(", ")}.</p>
<p>Charts by Apache ECharts, inlined so that this page opens offline.</p>
</footer>
</main>
<script>${library}</script>
<script>
const REPORT = ${jsonForScript(charts)};
const CHART_IDS = ${jsonForScript(chartIds)};
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
}

const PAGE_SCRIPT = `(function () {
  const instances = [];
  for (const id of CHART_IDS) {
    const chart = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
    chart.setOption(REPORT[id]);
    instances.push(chart);
  }
  window.addEventListener("resize", () => instances.forEach((chart) => chart.resize()));
  document.body.dataset.chartsRendered = String(instances.length);
})();`;

function summaryTable(summary: DemoSummary): string {
  const best = (pick: (r: SummaryRow) => number | null, better: "low" | "high") => {
    const values = summary.rows
      .filter((r) => r.router !== ROUTER_NAMES.oracle)
      .map(pick)
      .filter((v): v is number => v !== null);
    return values.length === 0 ? null : better === "low" ? Math.min(...values) : Math.max(...values);
  };
  const bestReward = best((r) => Number(r.meanReward.toFixed(2)), "high");
  const bestRegret = best((r) => Math.round(r.cumulativeRegret), "low");
  const mark = (text: string, isBest: boolean) => (isBest ? `<strong>${text}</strong>` : text);
  const head = summary.providers
    .map((id, i) => `<th class="share"><span class="swatch" style="background:${providerColor(i)}"></span>${escapeHtml(id)}</th>`)
    .join("");
  const rows = summary.rows
    .map((row) => {
      const isOracle = row.router === ROUTER_NAMES.oracle;
      const shares = summary.providers.map((id) => `<td class="share">${formatPercent(row.share[id] ?? 0)}</td>`).join("");
      return `<tr class="${row.router === ROUTER_NAMES.aurora ? "aurora" : ""}">
<td class="name"><span class="swatch" style="background:${routerColor(row.router)}"></span>${escapeHtml(row.router)}</td>
<td>${mark(formatNumber(row.meanReward, 2), !isOracle && Number(row.meanReward.toFixed(2)) === bestReward)}</td>
<td>${mark(formatNumber(row.cumulativeRegret), !isOracle && Math.round(row.cumulativeRegret) === bestRegret)}</td>
<td>${formatPercent(row.failureRate)}</td>
<td>${formatOptional(row.meanCostUsd, (v) => `$${formatNumber(v, 2)}`)}</td>
<td>${formatOptional(row.meanLatencyMs, (v) => `${formatNumber(v)} ms`)}</td>
${shares}</tr>`;
    })
    .join("\n");
  return `<div class="table-wrap"><table>
<thead>
<tr><th rowspan="2" class="name">router</th><th rowspan="2">mean reward</th><th rowspan="2">cumulative regret</th><th rowspan="2">failures</th><th rowspan="2">mean cost</th><th rowspan="2">mean latency</th><th colspan="${summary.providers.length}" class="group">share of jobs per provider</th></tr>
<tr>${head}</tr>
</thead>
<tbody>
${rows}
</tbody>
</table></div>
<p class="note">Mean reward: SPEC's reward per decision (a success earns 10 − cost − latency/500 + reputation/100, a failure −20). Failures: jobs that failed or were not placed. Mean cost and latency: over the jobs that succeeded. Bold: the best non-oracle value.</p>`;
}

/** Tall enough for the share grid and one timeline row per event (see chart-options.ts). */
function shareChartHeight(events: number): number {
  return events === 0 ? 360 : 380 + 26 * events + 40;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end the script element it sits in, whatever a scenario names its providers. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f8fafc; color: #1f2937; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 28px 32px 40px; }
h1 { font-size: 26px; margin: 0 0 6px; }
.lead { margin: 0; font-size: 16px; }
.meta { margin: 4px 0 0; color: #64748b; font-size: 13px; }
.headline { margin: 18px 0; padding: 12px 16px; background: #eff6ff; border-left: 4px solid #2563eb; border-radius: 4px; font-size: 16px; }
.table-wrap { overflow-x: auto; background: #fff; border: 1px solid #e2e8f0; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 13.5px; }
th, td { padding: 6px 8px; text-align: right; white-space: nowrap; border-bottom: 1px solid #f1f5f9; }
th { font-weight: 600; color: #475569; background: #f8fafc; }
th.group { text-align: center; border-bottom: 1px solid #e2e8f0; }
.name { text-align: left; }
tr.aurora td { background: #eff6ff; }
td.share, th.share { color: #475569; }
th.share { white-space: normal; font-size: 12px; font-weight: 500; line-height: 1.25; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.chart-block { margin-top: 22px; background: #fff; border: 1px solid #e2e8f0; border-radius: 6px; padding: 10px 12px 4px; }
.chart { width: 100%; height: 340px; }
.chart.tall { height: 400px; }
.row { display: flex; gap: 12px; }
.row .chart { flex: 1; min-width: 0; height: 280px; }
.note { color: #475569; font-size: 13px; margin: 4px 6px 10px; }
footer { margin-top: 24px; color: #64748b; font-size: 13px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; background: #f1f5f9; padding: 1px 4px; border-radius: 3px; }
`;

/**
 * What the ε chart shows for these engines: the seed's Q-learning decays ε from 0.1; a policy that
 * explores by an uncertainty bonus (lin-ucb, aurora's default) reports ε 0 throughout.
 */
export function epsilonNote(result: SimulationResult, policy: string): string {
  const aurora = result.routers.find((router) => router.name === ROUTER_NAMES.aurora)?.extraSeries.epsilon ?? [];
  const seed = "The seed Q-learning engine starts at 0.1 and decays it ×0.995 per learned outcome to a floor of 0.01.";
  if (aurora.every((value) => value === null || value === 0)) {
    return `${seed} aurora's policy, ${policy}, does not explore at random: it tries a provider where it is unsure of it (an uncertainty bonus), so its ε is 0 throughout.`;
  }
  return `${seed} aurora's policy, ${policy}, has its own ε, drawn as a solid line.`;
}
