// Measures what `failed_before` is worth to a router that fails over, on the simulator's scenarios,
// through the engine, and writes docs/failover-evidence.md:
// `pnpm evidence:failover [--seeds 1,2,3,4,5] [--scenarios calm,outage]`.
//
// The router runs each job on the engine's choice and, when it fails, on `metadata.alternatives`
// in order (each try an independent draw of the simulated market), then sends one feedback for
// the provider the job ended on: once without `failed_before` (the engine hears only of the last
// try) and once with it (each failed try learned as a failed job).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ManualClock, RoutingEngine } from "@aurora/engine";
import { loadScenario, Market } from "@aurora/simulator";
import type { PolicyConfig } from "@aurora/strategist";
import { flag, workspaceRoot } from "./script-args.js";

const seeds = (flag("seeds") ?? "1,2,3,4,5").split(",").map(Number);
const scenarios = (flag("scenarios") ?? "calm,price-spike,outage,latency-spike,newcomer,everything").split(",");
const output = flag("out") ?? join(workspaceRoot("pnpm evidence:failover"), "docs", "failover-evidence.md");
const ALTERNATIVES = 3;

const policies: { label: string; config: PolicyConfig }[] = [
  { label: "lin-ucb", config: { kind: "lin-ucb" } },
  { label: "q-learning (seed defaults)", config: { kind: "q-learning" } },
  { label: "ucb1", config: { kind: "ucb1" } },
  { label: "linear-value", config: { kind: "linear-value" } },
];

interface Run {
  jobs: number;
  /** Tries that failed before the job ran somewhere (a job that failed everywhere counts its last try as its outcome). */
  failedTries: number;
  /** Jobs that failed on every provider tried. */
  failedJobs: number;
  /** Sum of the final outcomes' rewards (what the engine is told the decision earned). */
  rewardSum: number;
  /** Sum over jobs of the latency of every try, failed ones included: time until the job ran (or gave up). */
  latencySum: number;
}

async function run(scenarioName: string, seed: number, config: PolicyConfig, report: boolean): Promise<Run> {
  const scenario = loadScenario(scenarioName);
  const market = new Market(scenario, { seed, decisions: scenario.decisions });
  const engine = new RoutingEngine({ policy: config, seed, clock: new ManualClock(0), alternatives: ALTERNATIVES });
  const result: Run = { jobs: 0, failedTries: 0, failedJobs: 0, rewardSum: 0, latencySum: 0 };
  for (let step = 0; step < market.decisions; step++) {
    const request = market.request(step);
    const { provider_id, metadata } = engine.decide(request);
    if (provider_id === null) continue;
    const tries = [provider_id, ...metadata.alternatives.map((a) => a.provider_id)];
    const failed: string[] = [];
    let outcome = market.outcome(step, request.context, provider_id, metadata.decision_id);
    result.latencySum += outcome.actual_latency_ms;
    for (let t = 1; t < tries.length && !outcome.success; t++) {
      failed.push(outcome.provider_id);
      outcome = market.outcome(step, request.context, tries[t] as string, metadata.decision_id);
      result.latencySum += outcome.actual_latency_ms;
    }
    if (!outcome.success) result.failedJobs++;
    result.failedTries += failed.length;
    result.jobs++;
    result.rewardSum += await engine.feedback({
      ...outcome,
      ...(report && failed.length > 0 ? { failed_before: failed } : {}),
    });
  }
  await engine.close();
  return result;
}

interface Row {
  scenario: string;
  policy: string;
  without: Run;
  with: Run;
}

const sum = (runs: Run[]): Run =>
  runs.reduce(
    (a, r) => ({
      jobs: a.jobs + r.jobs,
      failedTries: a.failedTries + r.failedTries,
      failedJobs: a.failedJobs + r.failedJobs,
      rewardSum: a.rewardSum + r.rewardSum,
      latencySum: a.latencySum + r.latencySum,
    }),
    { jobs: 0, failedTries: 0, failedJobs: 0, rewardSum: 0, latencySum: 0 },
  );

const rows: Row[] = [];
const started = Date.now();
for (const scenario of scenarios) {
  for (const { label, config } of policies) {
    const without: Run[] = [];
    const reported: Run[] = [];
    for (const seed of seeds) {
      without.push(await run(scenario, seed, config, false));
      reported.push(await run(scenario, seed, config, true));
    }
    const row = { scenario, policy: label, without: sum(without), with: sum(reported) };
    rows.push(row);
    process.stdout.write(
      `${scenario.padEnd(14)} ${label.padEnd(28)} failed tries ${row.without.failedTries} → ${row.with.failedTries}, mean final reward ${(row.without.rewardSum / row.without.jobs).toFixed(3)} → ${(row.with.rewardSum / row.with.jobs).toFixed(3)}\n`,
    );
  }
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const perThousand = (r: Run) => (1000 * r.failedTries) / r.jobs;

const lines: string[] = [
  "# Failover evidence: what `failed_before` is worth",
  "",
  "Generated by `apps/evidence/src/failover-evidence.ts` (`pnpm evidence:failover`); do not edit by hand.",
  "Every run goes through `RoutingEngine` on `@aurora/simulator`'s built-in scenarios with SPEC's reward",
  `and the policy's defaults, \`alternatives: ${ALTERNATIVES}\`. The router runs each job on the engine's choice and,`,
  "when it fails, on `metadata.alternatives` in order (each try an independent draw of the simulated market),",
  "then sends one feedback naming the provider the job ended on:",
  "",
  "- **without**: no `failed_before`: the engine hears only of the last try;",
  "- **with**: the failed tries in `failed_before`, each learned as a failed job of the decision.",
  "",
  "Columns: failed tries per 1,000 jobs (a try that failed before the job ran elsewhere); mean time to a",
  "running job (the latency of every try, failed ones included, in ms); mean reward of the final outcome",
  "(what the feedback reports: it does not charge the failed tries, so a router told nothing of them looks",
  "as good as its fallbacks); jobs that failed on every provider tried.",
  "",
  `Seeds ${seeds.join(", ")}; ${rows.length * seeds.length * 2} runs in ${fmt((Date.now() - started) / 1000)} s.`,
  "",
  "| scenario | policy | failed tries / 1,000 jobs: without → with | mean time to a running job (ms) | mean final reward | jobs failed everywhere |",
  "| --- | --- | --- | --- | --- | --- |",
];
for (const r of rows) {
  lines.push(
    `| ${r.scenario} | ${r.policy} | ${fmt(perThousand(r.without), 1)} → ${fmt(perThousand(r.with), 1)} | ${fmt(r.without.latencySum / r.without.jobs, 1)} → ${fmt(r.with.latencySum / r.with.jobs, 1)} | ${fmt(r.without.rewardSum / r.without.jobs, 3)} → ${fmt(r.with.rewardSum / r.with.jobs, 3)} | ${r.without.failedJobs} → ${r.with.failedJobs} |`,
  );
}
lines.push("");
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, lines.join("\n"));
process.stdout.write(`\nwrote ${output}\n`);
