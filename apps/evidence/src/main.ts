#!/usr/bin/env node
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CONTENDERS } from "./contenders.js";
import { evidenceMarkdown } from "./evidence-document.js";
import { EvidenceUsageError, parseEvidenceArgs } from "./evidence-options.js";
import { runEvidence } from "./run-evidence.js";
import { checkTargets } from "./targets.js";

async function main(): Promise<void> {
  const options = parseEvidenceArgs(process.argv.slice(2), process.env.INIT_CWD ?? process.cwd());
  const started = performance.now();
  const samples = await runEvidence({
    scenarios: options.scenarios,
    seeds: options.seeds,
    largeSeeds: options.largeSeeds,
    ...(options.decisions !== undefined ? { decisions: options.decisions } : {}),
    contenders: CONTENDERS,
    onRun: (scenario, seed, ms) => process.stderr.write(`${scenario} seed ${seed}: ${(ms / 1000).toFixed(1)} s\n`),
  });
  const policies = CONTENDERS.filter((c) => c.kind === "policy").map((c) => c.name);
  const targetScenarios = ["outage", "newcomer"].filter((s) => options.scenarios.includes(s));
  const markdown = evidenceMarkdown({
    samples,
    contenders: CONTENDERS,
    scenarios: options.scenarios,
    seeds: options.seeds,
    largeSeeds: options.largeSeeds,
    ...(options.decisions !== undefined ? { decisions: options.decisions } : {}),
    checks: checkTargets(samples, policies, targetScenarios),
    seconds: (performance.now() - started) / 1000,
  });
  process.stdout.write(markdown);
  if (options.out !== null) {
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, markdown);
    process.stderr.write(`wrote ${options.out}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof EvidenceUsageError ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exitCode = error instanceof EvidenceUsageError ? 2 : 1;
});
