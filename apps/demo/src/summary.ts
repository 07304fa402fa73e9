import type { SimEvent, SimulationResult } from "@aurora/simulator";
import { formatNumber } from "./format-number.js";
import { ROUTER_NAMES } from "./router-names.js";

/** One router's line of the summary. */
export interface SummaryRow {
  router: string;
  /** Mean realised reward per step (SPEC's reward; a failed or unplaced job counts −20). */
  meanReward: number;
  /** Reward lost against the oracle, summed over the run (expected values, so luck does not count). */
  cumulativeRegret: number;
  /** Share of steps whose job did not succeed. */
  failureRate: number;
  /** Mean USD of a successful job; null when none succeeded. */
  meanCostUsd: number | null;
  /** Mean real latency of a successful job, ms; null when none succeeded. */
  meanLatencyMs: number | null;
  /** provider_id → share of all steps routed to it, for every provider of the scenario (null prototype). */
  share: Record<string, number>;
}

export interface DemoSummary {
  scenario: string;
  description: string;
  seed: number;
  decisions: number;
  /** The main engine's policy, e.g. `q-learning (initialQ 15, gamma 0)`. */
  policy: string;
  /** Whether the engines read the Ψ-Field stand-in. */
  psi: boolean;
  providers: string[];
  events: SimEvent[];
  rows: SummaryRow[];
  /** One sentence: aurora's regret against the baselines'. */
  headline: string;
}

export interface SummaryMeta {
  description: string;
  policy: string;
  psi: boolean;
}

/** The numbers the CLI prints and the report shows, from a simulation's result. */
export function summarize(result: SimulationResult, meta: SummaryMeta): DemoSummary {
  const rows = result.routers.map((router): SummaryRow => {
    const share: Record<string, number> = Object.create(null);
    for (const id of result.providers) share[id] = router.share[id] ?? 0;
    return {
      router: router.name,
      meanReward: router.meanReward,
      cumulativeRegret: router.cumulativeRegret,
      failureRate: router.failureRate,
      meanCostUsd: router.meanCostUsd,
      meanLatencyMs: router.meanLatencyMs,
      share,
    };
  });
  return {
    scenario: result.scenario,
    description: meta.description,
    seed: result.seed,
    decisions: result.decisions,
    policy: meta.policy,
    psi: meta.psi,
    providers: [...result.providers],
    events: result.events.map((e) => ({ ...e, providerIds: [...e.providerIds] })),
    rows,
    headline: headline(rows),
  };
}

/**
 * "aurora's cumulative regret is 1,400: 13.5× less than the rule router's (18,950) and 9.2×
 * less than random's (12,850); the seed's q-learning: 7,550."
 */
function headline(rows: readonly SummaryRow[]): string {
  const regret = (name: string) => rows.find((r) => r.router === name)?.cumulativeRegret;
  const aurora = regret(ROUTER_NAMES.aurora);
  if (aurora === undefined) return "";
  const parts: string[] = [];
  const rule = regret(ROUTER_NAMES.rule);
  if (rule !== undefined) parts.push(`${relation(aurora, rule)} the rule router's (${formatNumber(rule)})`);
  const random = regret(ROUTER_NAMES.random);
  if (random !== undefined) parts.push(`${relation(aurora, random)} random's (${formatNumber(random)})`);
  const seed = regret(ROUTER_NAMES.seed);
  const tail = seed === undefined ? "" : `; the seed's q-learning: ${formatNumber(seed)}`;
  const against = parts.length === 0 ? "" : `: ${parts.join(" and ")}`;
  return `aurora's cumulative regret is ${formatNumber(aurora)}${against}${tail}.`;
}

/** How `a` compares with `b`: "13.5× less than", "2.0× more than", "the same as". */
function relation(a: number, b: number): string {
  const rounded = (x: number) => Math.round(x);
  if (rounded(a) === rounded(b)) return "the same as";
  if (a <= 0 || b <= 0) return a < b ? "less than" : "more than";
  return a < b ? `${formatNumber(b / a, 1)}× less than` : `${formatNumber(a / b, 1)}× more than`;
}
