import type { RegretSamples } from "./regret-table.js";
import { summarize } from "./regret-table.js";

/** The targets: the best policy's regret at most this share of the rule router's and of the seed Q-learning's. */
const RULE_SHARE = 1 / 3;
const SEED_Q_SHARE = 1 / 10;

export interface TargetCheck {
  scenario: string;
  /** The learning policy (other than the seed's) with the lowest mean regret there. */
  best: string;
  regret: number;
  rule: number;
  seedQ: number;
  /** regret / rule and regret / seedQ. */
  ruleRatio: number;
  seedQRatio: number;
  met: boolean;
}

/** For each scenario, the best new policy against the rule router and the seed's Q-learning. */
export function checkTargets(samples: RegretSamples, policies: readonly string[], scenarios: readonly string[]): TargetCheck[] {
  const mean = (name: string, scenario: string) => summarize(samples.get(name)?.get(scenario) ?? []).mean;
  return scenarios.map((scenario) => {
    let best = "";
    let regret = Infinity;
    for (const name of policies) {
      if (name === "q-learning") continue;
      const m = mean(name, scenario);
      if (m < regret) {
        regret = m;
        best = name;
      }
    }
    const rule = mean("rule", scenario);
    const seedQ = mean("q-learning", scenario);
    const ruleRatio = regret / rule;
    const seedQRatio = regret / seedQ;
    return {
      scenario,
      best,
      regret,
      rule,
      seedQ,
      ruleRatio,
      seedQRatio,
      met: ruleRatio <= RULE_SHARE && seedQRatio <= SEED_Q_SHARE,
    };
  });
}

/** The checks as a Markdown table. */
export function targetTable(checks: readonly TargetCheck[]): string {
  const round = (x: number) => Math.round(x).toLocaleString("en");
  const share = (x: number) => `1/${(1 / x).toFixed(1)}`;
  return [
    "| scenario | best policy | its regret | rule | seed Q-learning | vs rule (target ≤ 1/3) | vs seed Q (target ≤ 1/10) | met |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ...checks.map(
      (c) =>
        `| ${c.scenario} | \`${c.best}\` | ${round(c.regret)} | ${round(c.rule)} | ${round(c.seedQ)} | ${share(c.ruleRatio)} | ${share(c.seedQRatio)} | ${c.met ? "yes" : "no"} |`,
    ),
  ].join("\n");
}
