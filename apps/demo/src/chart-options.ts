import type { RouterResult, SimEvent, SimulationResult } from "@aurora/simulator";
import type {
  BarSeriesOption,
  EChartsOption,
  LineSeriesOption,
  MarkLineComponentOption,
  XAXisComponentOption,
  YAXisComponentOption,
} from "echarts";
import { ROUTER_NAMES } from "./router-names.js";

/**
 * The report's charts as ECharts options: plain JSON (no formatter functions), so they can be
 * embedded in the page as data. Animation is off so that a screenshot shows the final picture.
 */
export interface ReportCharts {
  regret: EChartsOption;
  shareAurora: EChartsOption;
  shareRule: EChartsOption;
  shareOracle: EChartsOption;
  epsilon: EChartsOption;
}

const ROUTER_COLORS: Readonly<Record<string, string>> = Object.freeze({
  [ROUTER_NAMES.aurora]: "#2563eb",
  [ROUTER_NAMES.seed]: "#a855f7",
  [ROUTER_NAMES.rule]: "#dc2626",
  [ROUTER_NAMES.random]: "#9ca3af",
  [ROUTER_NAMES.oracle]: "#16a34a",
});
const OTHER_ROUTER_COLOR = "#0f766e";
/** Tableau 10: distinct for the usual handful of providers, in scenario order. */
const PROVIDER_COLORS = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];
const EVENT_COLOR = "#64748b";
const TEXT = { fontFamily: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", color: "#1f2937" };

export function routerColor(name: string): string {
  return Object.hasOwn(ROUTER_COLORS, name) ? (ROUTER_COLORS[name] as string) : OTHER_ROUTER_COLOR;
}

export function providerColor(index: number): string {
  return PROVIDER_COLORS[index % PROVIDER_COLORS.length] as string;
}

/** Every chart of the report, from one simulation. */
export function buildCharts(result: SimulationResult): ReportCharts {
  const byName = (name: string) => result.routers.find((r) => r.name === name);
  const aurora = byName(ROUTER_NAMES.aurora) ?? (result.routers[0] as RouterResult);
  return {
    regret: regretChart(result),
    shareAurora: shareChart(result, aurora, { timeline: true, title: `Where ${aurora.name} sent the jobs` }),
    shareRule: shareChart(result, byName(ROUTER_NAMES.rule) ?? aurora, { timeline: false, title: "… and the rule router" }),
    shareOracle: shareChart(result, byName(ROUTER_NAMES.oracle) ?? aurora, { timeline: false, title: "… and the oracle" }),
    epsilon: epsilonChart(result),
  };
}

function baseOption(): EChartsOption {
  return {
    animation: false,
    textStyle: TEXT,
    tooltip: { trigger: "axis", order: "valueDesc" },
  };
}

function stepAxis(result: SimulationResult, gridIndex = 0, name = "decisions"): XAXisComponentOption {
  return {
    type: "value",
    gridIndex,
    min: 0,
    max: result.decisions,
    name,
    nameLocation: "middle",
    nameGap: 26,
    splitLine: { show: false },
  };
}

/** A dashed vertical line where each event starts, labelled with its number in the timeline. */
function eventLines(events: readonly SimEvent[]): MarkLineComponentOption {
  return {
    silent: true,
    symbol: ["none", "none"],
    lineStyle: { color: EVENT_COLOR, type: "dashed", width: 1 },
    label: { formatter: "{b}", position: "end", color: EVENT_COLOR, fontSize: 11 },
    data: events.map((event, i) => ({ name: String(i + 1), xAxis: event.start })),
  };
}

/** Window series as [step, value] points, starting at step 0 when `origin` is given. */
function points(result: SimulationResult, series: readonly (number | null)[], round: (v: number) => number, origin?: number) {
  const data: [number, number | null][] = origin === undefined ? [] : [[0, origin]];
  result.sampleSteps.forEach((step, i) => {
    const value = series[i];
    data.push([step, value === null || value === undefined ? null : round(value)]);
  });
  return data;
}

function regretChart(result: SimulationResult): EChartsOption {
  const series: LineSeriesOption[] = result.routers.map((router, i) => ({
    type: "line",
    name: router.name,
    showSymbol: false,
    color: routerColor(router.name),
    lineStyle: { width: router.name === ROUTER_NAMES.aurora ? 3 : 2 },
    data: points(result, router.regretSeries, Math.round, 0),
    ...(i === 0 ? { markLine: eventLines(result.events) } : {}),
  }));
  return {
    ...baseOption(),
    title: {
      text: "Cumulative regret — lower is better",
      subtext: "reward lost against an oracle that knows the hidden truth",
      left: 10,
    },
    legend: { top: 8, right: 10 },
    grid: { left: 70, right: 30, top: 80, bottom: 50 },
    xAxis: stepAxis(result),
    yAxis: { type: "value", name: "regret", nameLocation: "middle", nameGap: 52 },
    series,
  };
}

function shareChart(
  result: SimulationResult,
  router: RouterResult,
  options: { timeline: boolean; title: string },
): EChartsOption {
  const events = result.events;
  const timeline = options.timeline && events.length > 0;
  const shareGrid = timeline ? { left: 70, right: 170, top: 70, height: 250 } : { left: 50, right: 20, top: 70, bottom: 40 };
  const providerSeries: LineSeriesOption[] = result.providers.map((id, i) => ({
    type: "line",
    name: id,
    stack: "share",
    xAxisIndex: 0,
    yAxisIndex: 0,
    showSymbol: false,
    color: providerColor(i),
    lineStyle: { width: 0 },
    areaStyle: { opacity: 0.85 },
    emphasis: { focus: "series" },
    data: points(result, router.shareSeries[id] ?? [], (v) => Math.round(v * 1000) / 10),
    ...(i === 0 ? { markLine: eventLines(events) } : {}),
  }));
  const option: EChartsOption = {
    ...baseOption(),
    title: { text: options.title, subtext: "share of each window's jobs per provider", left: 10 },
    legend: timeline ? { type: "scroll", orient: "vertical", right: 10, top: 80, data: [...result.providers] } : { show: false },
    grid: timeline ? [shareGrid, { left: 70, right: 170, top: 380, bottom: 40 }] : [shareGrid],
    xAxis: timeline ? [stepAxis(result, 0, ""), stepAxis(result, 1)] : [stepAxis(result)],
    yAxis: [
      { type: "value", gridIndex: 0, min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      ...(timeline ? [timelineAxis(events)] : []),
    ],
    series: [...providerSeries, ...(timeline ? timelineSeries(result) : [])],
  };
  return option;
}

/** The events as a Gantt strip under the share chart: one row each, in scenario order. */
function timelineAxis(events: readonly SimEvent[]): YAXisComponentOption {
  return {
    type: "category",
    gridIndex: 1,
    inverse: true,
    data: events.map((e, i) => `${i + 1}  ${e.label}`),
    axisTick: { show: false },
    axisLine: { show: false },
    axisLabel: { inside: true, color: "#111827", fontSize: 11, margin: 6 },
    z: 10,
  };
}

function timelineSeries(result: SimulationResult): BarSeriesOption[] {
  const events = result.events;
  const lengths = events.map((e) => Math.max(1, (e.end ?? result.decisions) - e.start));
  return [
    {
      type: "bar",
      name: "(event start)",
      stack: "timeline",
      xAxisIndex: 1,
      yAxisIndex: 1,
      silent: true,
      itemStyle: { color: "transparent" },
      tooltip: { show: false },
      data: events.map((e) => e.start),
    },
    {
      type: "bar",
      name: "event in force",
      stack: "timeline",
      xAxisIndex: 1,
      yAxisIndex: 1,
      barWidth: "60%",
      itemStyle: { color: "#cbd5e1", borderRadius: 3 },
      tooltip: { show: false },
      data: lengths,
    },
  ];
}

function epsilonChart(result: SimulationResult): EChartsOption {
  const engines = result.routers.filter((r) => r.extraSeries.epsilon !== undefined);
  const psiRouter = engines.find((r) => r.extraSeries.psi_density !== undefined);
  const sig = (v: number) => Number(v.toPrecision(4));
  const positive = engines.every((r) => (r.extraSeries.epsilon ?? []).every((v) => v === null || sig(v) > 0));
  const series: LineSeriesOption[] = engines.map((router, i) => ({
    type: "line",
    name: `ε ${router.name}`,
    showSymbol: false,
    color: routerColor(router.name),
    lineStyle: router.name === ROUTER_NAMES.aurora ? { width: 3 } : { width: 2, type: "dashed" },
    // aurora on top: with an ε-greedy policy both engines decay ε once per outcome, so their lines may coincide.
    z: router.name === ROUTER_NAMES.aurora ? 3 : 2,
    yAxisIndex: 0,
    data: points(result, router.extraSeries.epsilon ?? [], sig),
    ...(i === 0 ? { markLine: eventLines(result.events) } : {}),
  }));
  if (psiRouter) {
    series.push({
      type: "line",
      name: "Ψ density (stand-in)",
      showSymbol: false,
      step: "end",
      color: "#f59e0b",
      lineStyle: { width: 1.5, type: "dotted" },
      yAxisIndex: 1,
      data: points(result, psiRouter.extraSeries.psi_density ?? [], sig),
    });
  }
  return {
    ...baseOption(),
    title: {
      text: "Exploration rate ε over time",
      subtext: psiRouter
        ? "effective ε of each decision (window mean); ε·(1 − 0.5·Ψ density), so a dense field explores less"
        : "effective ε of each decision (window mean); run with --psi to see Ψ-aware exploration",
      left: 10,
    },
    legend: { top: 8, right: 10 },
    grid: { left: 70, right: psiRouter ? 70 : 30, top: 80, bottom: 50 },
    xAxis: stepAxis(result),
    yAxis: [
      // A log scale shows the decay best, but cannot show 0 (a policy that never explores).
      positive
        ? { type: "log", logBase: 10, name: "ε (log scale)", nameLocation: "middle", nameGap: 52 }
        : { type: "value", min: 0, name: "ε", nameLocation: "middle", nameGap: 52 },
      ...(psiRouter
        ? [
            {
              type: "value" as const,
              min: 0,
              max: 1,
              name: "Ψ density",
              nameLocation: "middle" as const,
              nameGap: 40,
              splitLine: { show: false },
            },
          ]
        : []),
    ],
    series,
  };
}
