import type { LineSeriesOption } from "echarts";
import { describe, expect, it } from "vitest";
import { buildCharts, providerColor, routerColor } from "./chart-options.js";
import { ROUTER_NAMES } from "./router-names.js";
import { routerResult, simulationResult } from "./testing/simulation-result.js";

const extra = (series: Record<string, (number | null)[]>) =>
  Object.assign(Object.create(null), series) as Record<string, (number | null)[]>;

function result() {
  return simulationResult([
    routerResult(ROUTER_NAMES.aurora, { regretSeries: [10.4, 20.6], extraSeries: extra({ epsilon: [0.0912345, 0.01] }) }),
    routerResult(ROUTER_NAMES.seed, { extraSeries: extra({ epsilon: [0.0912345, 0.01] }) }),
    routerResult(ROUTER_NAMES.rule, { regretSeries: [100, 300] }),
    routerResult(ROUTER_NAMES.oracle, { regretSeries: [0, 0] }),
  ]);
}

const seriesOf = (option: unknown) => (option as { series: LineSeriesOption[] }).series;

describe("buildCharts", () => {
  it("draws cumulative regret per router from step 0, at the end of each window, rounded", () => {
    const series = seriesOf(buildCharts(result()).regret);
    expect(series.map((s) => s.name)).toEqual(["aurora", "aurora (seed q-learning)", "rule", "oracle"]);
    expect(series[0]?.data).toEqual([
      [0, 0],
      [50, 10],
      [100, 21],
    ]);
    expect(series[2]?.data).toEqual([
      [0, 0],
      [50, 100],
      [100, 300],
    ]);
    expect(series[0]?.color).toBe(routerColor("aurora"));
  });

  it("marks where each event starts, numbered as in the timeline", () => {
    const markLine = seriesOf(buildCharts(result()).regret)[0]?.markLine;
    expect(markLine?.data).toEqual([{ name: "1", xAxis: 40 }]);
  });

  it("stacks aurora's share of each provider in percent, with an event timeline below", () => {
    const charts = buildCharts(result());
    const series = seriesOf(charts.shareAurora);
    expect(series.slice(0, 2).map((s) => [s.name, s.stack, s.data, s.color])).toEqual([
      [
        "steady",
        "share",
        [
          [50, 50],
          [100, 100],
        ],
        providerColor(0),
      ],
      [
        "cheap",
        "share",
        [
          [50, 50],
          [100, 0],
        ],
        providerColor(1),
      ],
    ]);
    const [offset, length] = series.slice(2) as { data: number[] }[];
    expect(offset?.data).toEqual([40]);
    expect(length?.data).toEqual([20]);
    expect((charts.shareAurora.yAxis as { data?: string[] }[])[1]?.data).toEqual(["1  cheap down"]);
  });

  it("draws the rule router's and the oracle's shares without a timeline", () => {
    const charts = buildCharts(result());
    expect(seriesOf(charts.shareRule).map((s) => s.name)).toEqual(["steady", "cheap"]);
    expect(seriesOf(charts.shareOracle).map((s) => s.name)).toEqual(["steady", "cheap"]);
  });

  it("draws ε for each engine on a log scale, to four significant digits", () => {
    const chart = buildCharts(result()).epsilon;
    const series = seriesOf(chart);
    expect(series.map((s) => s.name)).toEqual(["ε aurora", "ε aurora (seed q-learning)"]);
    expect(series[0]?.data).toEqual([
      [50, 0.09123],
      [100, 0.01],
    ]);
    expect((chart.yAxis as { type: string }[])[0]?.type).toBe("log");
  });

  it("adds the Ψ density on its own axis when the engines read a Ψ-Field", () => {
    const r = result();
    (r.routers[0] as { extraSeries: Record<string, (number | null)[]> }).extraSeries = extra({
      epsilon: [0.05, 0.009],
      psi_density: [0.9, 0.2],
    });
    const chart = buildCharts(r).epsilon;
    const psi = seriesOf(chart).find((s) => s.name === "Ψ density (stand-in)");
    expect(psi?.data).toEqual([
      [50, 0.9],
      [100, 0.2],
    ]);
    expect(psi?.yAxisIndex).toBe(1);
    expect(chart.yAxis).toHaveLength(2);
  });

  it("uses a linear ε axis when a policy never explores (a log scale cannot show 0)", () => {
    const r = result();
    (r.routers[0] as { extraSeries: Record<string, (number | null)[]> }).extraSeries = extra({ epsilon: [0, 0] });
    expect((buildCharts(r).epsilon.yAxis as { type: string }[])[0]?.type).toBe("value");
  });

  it("turns animation off everywhere, so a screenshot shows the final picture", () => {
    for (const option of Object.values(buildCharts(result()))) expect(option.animation).toBe(false);
  });
});
