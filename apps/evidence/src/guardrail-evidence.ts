// Measures the guardrail on the simulator's scenarios, through the engine, and writes
// docs/guardrail-evidence.md: `pnpm evidence:guardrail [--seeds 1,2,3,4,5] [--scenarios calm,outage]`.
//
// Criteria (GitHub issue 10, item 5), per scenario × seed × policy:
// - safe: the guarded policy's cumulative regret at every tenth of the run is at most 1.1 × the
//   baseline's alone (the rule router);
// - close: where the unguarded policy ends with less regret than the baseline, the guarded one
//   keeps at least 80% of that improvement: (R_rule − R_guarded) / (R_rule − R_policy) ≥ 0.8.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { ManualClock, RoutingEngine, type RoutingEngineOptions } from "@aurora/engine";
import { computeReward } from "@aurora/executor";
import { listScenarios, type RewardFn, runSimulation, type SimRouter, type SimulationResult } from "@aurora/simulator";
import { type PolicyConfig, policyKinds } from "@aurora/strategist";
import { scriptArgsOrExit } from "./script-args.js";

const SAFE_RATIO = 1.1;
const CLOSE_SHARE = 0.8;

const {
  seeds,
  scenarios,
  out: output,
} = scriptArgsOrExit("guardrail", {
  seeds: [1, 2, 3, 4, 5],
  scenarios: listScenarios(),
});

/** The policies guarded: the seed's Q-learning, the demo's tuned one, and any other learning kind registered. */
const COMPOSITE_OR_BASELINE = new Set(["q-learning", "rule", "ab", "shadow", "guardrail"]);
const policies: { label: string; config: PolicyConfig }[] = [
  { label: "q-learning (seed defaults)", config: { kind: "q-learning" } },
  { label: "q-learning (initialQ 15, gamma 0)", config: { kind: "q-learning", initialQ: 15, gamma: 0 } },
  ...policyKinds
    .filter((kind) => !COMPOSITE_OR_BASELINE.has(kind))
    .map((kind) => ({ label: `${kind} (defaults)`, config: { kind } as PolicyConfig })),
];

/** SPEC's reward, as the engine computes it; outcomes carry no reputation, so the advertised one counts. */
const reward: RewardFn = (outcome, advertisedReputation) =>
  computeReward({ ...outcome, actual_reputation: outcome.actual_reputation ?? advertisedReputation });

function engineRouter(name: string, options: RoutingEngineOptions): SimRouter {
  const engine = new RoutingEngine({ clock: new ManualClock(0), autoSave: false, alternatives: 0, ...options });
  return {
    name,
    decide(request) {
      const { provider_id, metadata } = engine.decide(request);
      return { provider_id, decision_id: metadata.decision_id };
    },
    feedback: (outcome) => engine.feedback(outcome),
  };
}

interface Row {
  scenario: string;
  seed: number;
  policy: string;
  rule: number;
  unguarded: number;
  guarded: number;
  /** Worst guarded / rule cumulative regret over the ten tenths of the run. */
  worstRatio: number;
  worstTenth: number;
  /** (rule − guarded) / (rule − unguarded) where the unguarded policy beats the rule; null otherwise. */
  kept: number | null;
}

function tenthsRatio(result: SimulationResult): { worst: number; at: number } {
  const [rule, , guarded] = result.routers;
  const n = result.sampleSteps.length;
  let worst = 0;
  let at = 0;
  for (let k = 1; k <= 10; k++) {
    const i = Math.max(0, Math.round((k * n) / 10) - 1);
    const ruleRegret = rule!.regretSeries[i]!;
    const ratio = ruleRegret > 0 ? guarded!.regretSeries[i]! / ruleRegret : guarded!.regretSeries[i]! > 0 ? Infinity : 1;
    if (ratio > worst) {
      worst = ratio;
      at = k;
    }
  }
  return { worst, at };
}

const rows: Row[] = [];
const started = Date.now();
for (const scenario of scenarios) {
  for (const seed of seeds) {
    for (const { label, config } of policies) {
      const result = await runSimulation({
        scenario,
        seed,
        reward,
        sampleEvery: 1,
        routers: [
          engineRouter("rule", { seed, policy: { kind: "rule" } }),
          engineRouter("unguarded", { seed, policy: config }),
          engineRouter("guarded", { seed, policy: config, guardrail: {} }),
        ],
      });
      const [rule, unguarded, guarded] = result.routers.map((r) => r.cumulativeRegret) as [number, number, number];
      const { worst, at } = tenthsRatio(result);
      const kept = unguarded < rule ? (rule - guarded) / (rule - unguarded) : null;
      rows.push({ scenario, seed, policy: label, rule, unguarded, guarded, worstRatio: worst, worstTenth: at, kept });
      process.stdout.write(
        `${scenario.padEnd(14)} seed ${seed} ${label.padEnd(36)} rule ${rule.toFixed(0).padStart(6)} unguarded ${unguarded.toFixed(0).padStart(6)} guarded ${guarded.toFixed(0).padStart(6)} worst ${worst.toFixed(2)}@${at}/10 kept ${kept === null ? "–" : kept.toFixed(2)}\n`,
      );
    }
  }
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const safe = rows.filter((r) => r.worstRatio <= SAFE_RATIO).length;
const better = rows.filter((r) => r.kept !== null);
const close = better.filter((r) => (r.kept as number) >= CLOSE_SHARE).length;

const lines: string[] = [
  "# Guardrail evidence",
  "",
  "Generated by `apps/evidence/src/guardrail-evidence.ts` (`pnpm evidence:guardrail`);",
  "do not edit by hand. Every run goes through `RoutingEngine` on `@aurora/simulator`'s built-in scenarios with SPEC's reward;",
  "regret is the simulator's (expected reward of the oracle's pick minus the router's, summed over steps).",
  "",
  '- **baseline**: the engine with `policy: { kind: "rule" }` (the weighted-score rule router of aurora-router phase 1);',
  "- **unguarded**: the engine with the policy alone;",
  "- **guarded**: the engine with the same policy and `guardrail: {}` (default settings; baseline `rule`).",
  "",
  "Criteria (issue 10, item 5):",
  "",
  `- **safe**: guarded cumulative regret ≤ ${SAFE_RATIO} × the baseline's at every tenth of the run (the worst tenth is shown);`,
  `- **close**: where the unguarded policy ends with less regret than the baseline, the guarded one keeps ≥ ${CLOSE_SHARE * 100}% of`,
  "  that improvement, kept = (R_baseline − R_guarded) / (R_baseline − R_unguarded). Where the unguarded policy is not better,",
  "  the criterion does not apply (–).",
  "",
  `Seeds ${seeds.join(", ")}; ${rows.length} runs in ${fmt((Date.now() - started) / 1000)} s.`,
  "",
  "## Summary",
  "",
  `- safe in **${safe} of ${rows.length}** runs;`,
  `- close in **${close} of ${better.length}** runs where the unguarded policy beats the baseline.`,
  "",
  "| scenario | policy | runs | safe | worst ratio | unguarded better | close | mean kept | mean regret: baseline / unguarded / guarded |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
];
for (const scenario of scenarios) {
  for (const { label } of policies) {
    const group = rows.filter((r) => r.scenario === scenario && r.policy === label);
    const groupBetter = group.filter((r) => r.kept !== null);
    const mean = (f: (r: Row) => number, of: Row[] = group) => of.reduce((a, r) => a + f(r), 0) / Math.max(1, of.length);
    lines.push(
      `| ${scenario} | ${label} | ${group.length} | ${group.filter((r) => r.worstRatio <= SAFE_RATIO).length} | ${fmt(Math.max(...group.map((r) => r.worstRatio)), 2)} | ${groupBetter.length} | ${groupBetter.filter((r) => (r.kept as number) >= CLOSE_SHARE).length} | ${
        groupBetter.length > 0
          ? fmt(
              mean((r) => r.kept as number, groupBetter),
              2,
            )
          : "–"
      } | ${fmt(mean((r) => r.rule))} / ${fmt(mean((r) => r.unguarded))} / ${fmt(mean((r) => r.guarded))} |`,
    );
  }
}
lines.push(
  "",
  "## Every run",
  "",
  "| scenario | seed | policy | baseline regret | unguarded regret | guarded regret | worst guarded/baseline (tenth) | safe | kept | close |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
);
for (const r of rows) {
  lines.push(
    `| ${r.scenario} | ${r.seed} | ${r.policy} | ${fmt(r.rule)} | ${fmt(r.unguarded)} | ${fmt(r.guarded)} | ${fmt(r.worstRatio, 2)} (${r.worstTenth}/10) | ${r.worstRatio <= SAFE_RATIO ? "yes" : "**no**"} | ${r.kept === null ? "–" : fmt(r.kept, 2)} | ${r.kept === null ? "–" : r.kept >= CLOSE_SHARE ? "yes" : "**no**"} |`,
  );
}
lines.push("");
mkdirSync(dirname(output), { recursive: true });
writeFileSync(output, lines.join("\n"));
process.stdout.write(`\nsafe ${safe}/${rows.length}, close ${close}/${better.length}; wrote ${output}\n`);
