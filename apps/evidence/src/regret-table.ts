/** Cumulative regrets collected per contender and scenario, one per seed. */
export type RegretSamples = Map<string, Map<string, number[]>>;

export interface Summary {
  mean: number;
  /** Sample standard deviation over seeds (0 for one seed). */
  sd: number;
  runs: number;
}

export function summarize(values: readonly number[]): Summary {
  const runs = values.length;
  if (runs === 0) return { mean: Number.NaN, sd: 0, runs };
  const mean = values.reduce((a, b) => a + b, 0) / runs;
  const variance = runs > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (runs - 1) : 0;
  return { mean, sd: Math.sqrt(variance), runs };
}

export function addSample(samples: RegretSamples, contender: string, scenario: string, regret: number): void {
  let byScenario = samples.get(contender);
  if (byScenario === undefined) {
    byScenario = new Map();
    samples.set(contender, byScenario);
  }
  const list = byScenario.get(scenario) ?? [];
  list.push(regret);
  byScenario.set(scenario, list);
}

/** "1,234 ± 56": mean ± sample standard deviation, rounded to whole regret points. */
export function formatSummary(summary: Summary): string {
  if (summary.runs === 0) return "–";
  const round = (x: number) => Math.round(x).toLocaleString("en");
  return summary.runs > 1 ? `${round(summary.mean)} ± ${round(summary.sd)}` : round(summary.mean);
}

/**
 * The regret table in Markdown: one row per contender (in the order given), one column per
 * scenario; each cell the mean cumulative regret over seeds ± its standard deviation. The
 * lowest mean among the learning policies in each column is bold.
 */
export function regretTable(
  samples: RegretSamples,
  contenders: readonly { name: string; kind: "policy" | "baseline" }[],
  scenarios: readonly string[],
): string {
  const best = new Map<string, string>();
  for (const scenario of scenarios) {
    let winner: string | undefined;
    let lowest = Infinity;
    for (const c of contenders) {
      if (c.kind !== "policy") continue;
      const s = summarize(samples.get(c.name)?.get(scenario) ?? []);
      if (s.runs > 0 && s.mean < lowest) {
        lowest = s.mean;
        winner = c.name;
      }
    }
    if (winner !== undefined) best.set(scenario, winner);
  }
  const header = `| router | ${scenarios.join(" | ")} |`;
  const rule = `| --- | ${scenarios.map(() => "---:").join(" | ")} |`;
  const rows = contenders.map((c) => {
    const cells = scenarios.map((scenario) => {
      const text = formatSummary(summarize(samples.get(c.name)?.get(scenario) ?? []));
      return best.get(scenario) === c.name ? `**${text}**` : text;
    });
    return `| ${c.kind === "policy" ? `\`${c.name}\`` : c.name} | ${cells.join(" | ")} |`;
  });
  return [header, rule, ...rows].join("\n");
}
