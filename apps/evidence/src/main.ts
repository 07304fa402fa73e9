#!/usr/bin/env node
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { CONTENDERS } from "./contenders.js";
import { evidenceMarkdown } from "./evidence-document.js";
import { type EvidenceCommand, EvidenceUsageError, parseEvidenceArgs, usage } from "./evidence-options.js";
import { runEvidence } from "./run-evidence.js";
import { checkTargets } from "./targets.js";

async function main(): Promise<number> {
  let command: EvidenceCommand;
  try {
    // pnpm runs scripts from the workspace root and says where it was called from in INIT_CWD.
    command = parseEvidenceArgs(process.argv.slice(2), process.env.INIT_CWD || process.cwd());
  } catch (error) {
    if (!(error instanceof EvidenceUsageError)) throw error;
    process.stderr.write(`evidence: ${error.message} (pnpm evidence --help lists the flags)\n`);
    return 2;
  }
  if (command.kind === "help") {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const { options } = command;
  const scenarios = options.scenarios.map((s) => s.name);
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
  const targetScenarios = ["outage", "newcomer"].filter((s) => scenarios.includes(s));
  const markdown = evidenceMarkdown({
    samples,
    contenders: CONTENDERS,
    scenarios,
    seeds: options.seeds,
    largeSeeds: options.largeSeeds,
    ...(options.decisions !== undefined ? { decisions: options.decisions } : {}),
    checks: checkTargets(samples, policies, targetScenarios),
    seconds: (performance.now() - started) / 1000,
  });
  process.stdout.write(markdown);
  if (options.out !== null) {
    try {
      mkdirSync(dirname(options.out), { recursive: true });
      writeFileSync(options.out, markdown);
    } catch (error) {
      process.stderr.write(
        `evidence: could not write ${options.out}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 1;
    }
    process.stderr.write(`wrote ${options.out}\n`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`evidence: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
