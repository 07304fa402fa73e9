import { formatNumber, formatOptional, formatPercent } from "./format-number.js";
import type { DemoSummary } from "./summary.js";

/** The widest a printed table grows before the provider columns wrap into another table. */
const TABLE_WIDTH = 100;

type Align = "left" | "right";

interface Column {
  header: string;
  align: Align;
  cells: string[];
}

/**
 * The summary as the CLI prints it: what ran, the scenario's events, a table of metrics, the
 * share of jobs per provider (wrapped to `width` columns), and the headline.
 */
export function formatSummaryText(summary: DemoSummary, width = TABLE_WIDTH): string {
  const events = summary.events.map(
    (e, i) => `  ${i + 1}. ${e.label}: step ${formatNumber(e.start)}${e.end === null ? " on" : `–${formatNumber(e.end)}`}`,
  );
  return [
    `Scenario "${summary.scenario}": ${summary.description}`,
    `${formatNumber(summary.decisions)} decisions, seed ${summary.seed}, aurora's policy ${summary.policy}${summary.psi ? ", Ψ-Field stand-in" : ""}`,
    ...(events.length > 0 ? ["Events:", ...events] : []),
    "",
    formatSummaryTables(summary, width),
    "",
    summary.headline,
  ].join("\n");
}

/** The metrics table, then the share of jobs per provider. */
export function formatSummaryTables(summary: DemoSummary, width = TABLE_WIDTH): string {
  const routers = summary.rows.map((r) => r.router);
  const nameColumn: Column = { header: "router", align: "left", cells: routers };
  const metrics: Column[] = [
    nameColumn,
    { header: "mean reward", align: "right", cells: summary.rows.map((r) => formatNumber(r.meanReward, 2)) },
    { header: "cum. regret", align: "right", cells: summary.rows.map((r) => formatNumber(r.cumulativeRegret)) },
    { header: "failures", align: "right", cells: summary.rows.map((r) => formatPercent(r.failureRate)) },
    {
      header: "mean cost",
      align: "right",
      cells: summary.rows.map((r) => formatOptional(r.meanCostUsd, (v) => `$${formatNumber(v, 2)}`)),
    },
    {
      header: "mean latency",
      align: "right",
      cells: summary.rows.map((r) => formatOptional(r.meanLatencyMs, (v) => `${formatNumber(v)} ms`)),
    },
  ];
  const shares: Column[] = summary.providers.map((id) => ({
    header: id,
    align: "right",
    cells: summary.rows.map((r) => formatPercent(r.share[id] ?? 0)),
  }));

  const blocks = [renderTable(metrics)];
  const nameWidth = columnWidth(nameColumn);
  let chunk: Column[] = [];
  let used = nameWidth;
  for (const column of shares) {
    const w = columnWidth(column) + 2;
    if (chunk.length > 0 && used + w > width) {
      blocks.push(renderTable([nameColumn, ...chunk]));
      chunk = [];
      used = nameWidth;
    }
    chunk.push(column);
    used += w;
  }
  if (chunk.length > 0) blocks.push(renderTable([nameColumn, ...chunk]));
  const [first, ...rest] = blocks;
  return [first, ...rest.map((table, i) => `${i === 0 ? "share of jobs per provider\n" : ""}${table}`)].join("\n\n");
}

function columnWidth(column: Column): number {
  return Math.max(column.header.length, ...column.cells.map((c) => c.length));
}

function renderTable(columns: readonly Column[]): string {
  const widths = columns.map(columnWidth);
  const pad = (text: string, i: number) => {
    const column = columns[i] as Column;
    return column.align === "left" ? text.padEnd(widths[i] as number) : text.padStart(widths[i] as number);
  };
  const line = (cells: string[]) => cells.map(pad).join("  ").trimEnd();
  const rows = (columns[0] as Column).cells.map((_, r) => line(columns.map((c) => c.cells[r] as string)));
  return [line(columns.map((c) => c.header)), line(widths.map((w) => "-".repeat(w))), ...rows].join("\n");
}
