import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Outcome } from "@aurora/domain";
import { createRng } from "@aurora/domain";
import { computeReward, DEFAULT_REWARD_WEIGHTS } from "@aurora/executor";
import type { RewardFn, Scenario, SimulationResult } from "@aurora/simulator";
import { Market, oracleRouter, randomRouter, ruleRouter, runSimulation } from "@aurora/simulator";
import { demoPolicyConfig, describePolicy, SEED_POLICY } from "./demo-policy.js";
import type { EngineRouterPsi } from "./engine-router.js";
import { EngineRouter } from "./engine-router.js";
import { PsiFieldStandIn } from "./psi-field-stand-in.js";
import { psiDensityScript, psiFieldState } from "./psi-script.js";
import { renderReportHtml } from "./report-html.js";
import { ROUTER_NAMES } from "./router-names.js";
import { shellQuote } from "./shell-quote.js";
import type { DemoSummary } from "./summary.js";
import { summarize } from "./summary.js";
import { withStepHook } from "./with-step-hook.js";

export interface RunDemoOptions {
  /** A parsed scenario (`loadScenario`). */
  scenario: Scenario;
  /** How the scenario was named on the command line (a built-in name or a file), for the report's "reproduce" line. */
  scenarioArg: string;
  /** Default: the scenario's own length. */
  decisions?: number;
  seed: number;
  /** A policy kind of `@aurora/strategist`; the demo's tuning for it applies (`demo-policy.ts`). */
  policy: string;
  /** Created if missing; the files below are replaced. */
  outDir: string;
  /** Start the Ψ-Field stand-in and connect both engines to it. */
  psi: boolean;
  /** Called every {@link PROGRESS_EVERY} steps and at the end. */
  onProgress?: (done: number, total: number) => void;
  /** Called once the stand-in listens, with its URL. */
  onPsiField?: (url: string) => void;
}

export interface DemoRun {
  result: SimulationResult;
  summary: DemoSummary;
  reportPath: string;
  resultPath: string;
  modelPaths: string[];
}

const REPORT_FILE = "report.html";
const RESULT_FILE = "result.json";
const MODEL_FILE = "aurora-model.json";
const SEED_MODEL_FILE = "aurora-seed-q-learning-model.json";
const PROGRESS_EVERY = 100;
/** Steps between turns of the event loop, so the progress bar redraws and model saves proceed. */
const YIELD_EVERY = 500;

/** SPEC's reward, as the engine computes it, for the simulator's regret. */
const reward: RewardFn = (outcome: Outcome, advertisedReputation: number) =>
  computeReward(outcome, DEFAULT_REWARD_WEIGHTS, advertisedReputation);

/**
 * One demo run: the engine (the demo's tuning of `policy`), the engine with the seed's
 * Q-learning, and the rule, random and oracle baselines over the same seeded market; then
 * `result.json`, `report.html` and the two engines' model files in `outDir`.
 *
 * Every run starts from empty models (the engines never read the model files, only write them
 * at the end), so the same options give the same summary, `result.json` and `report.html`,
 * byte for byte.
 */
export async function runDemo(options: RunDemoOptions): Promise<DemoRun> {
  const { scenario, seed } = options;
  const decisions = options.decisions ?? scenario.decisions;
  mkdirSync(options.outDir, { recursive: true });
  const modelPaths = [join(options.outDir, MODEL_FILE), join(options.outDir, SEED_MODEL_FILE)];

  const policy = demoPolicyConfig(options.policy);
  let field: PsiFieldStandIn | undefined;
  const engines: EngineRouter[] = [];
  let result: SimulationResult;
  try {
    let psi: EngineRouterPsi | undefined;
    if (options.psi) {
      // The market places the scenario's events on this run's steps; the script follows them.
      const { events } = new Market(scenario, { seed, decisions });
      const densityAt = psiDensityScript(events, decisions);
      field = await PsiFieldStandIn.start({ state: psiFieldState(densityAt(0), 0) });
      options.onPsiField?.(field.url);
      psi = { field, densityAt };
    }
    const open = async (name: string, config: typeof policy) => {
      const router = await EngineRouter.open({ name, policy: config, seed, ...(psi ? { psi } : {}) });
      engines.push(router);
      return router;
    };
    const aurora = await open(ROUTER_NAMES.aurora, policy);
    const seedQ = await open(ROUTER_NAMES.seed, SEED_POLICY);

    const onProgress = options.onProgress;
    const tracked = withStepHook(aurora, async (step) => {
      const done = step + 1;
      if (done % PROGRESS_EVERY === 0) onProgress?.(done, decisions);
      if (done % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    });
    result = await runSimulation({
      scenario,
      seed,
      decisions,
      reward,
      routers: [
        tracked,
        seedQ,
        ruleRouter({ name: ROUTER_NAMES.rule }),
        randomRouter({ rng: createRng(seed), name: ROUTER_NAMES.random }),
        oracleRouter({ name: ROUTER_NAMES.oracle }),
      ],
    });
    onProgress?.(decisions, decisions);
    for (const [i, engine] of engines.entries()) engine.saveModel(modelPaths[i] as string);
  } finally {
    await Promise.all(engines.map((engine) => engine.close()));
    await field?.close();
  }

  const summary = summarize(result, {
    description: scenario.description,
    policy: describePolicy(policy),
    psi: options.psi,
  });
  const resultPath = join(options.outDir, RESULT_FILE);
  writeFileSync(resultPath, `${JSON.stringify({ summary, result }, null, 2)}\n`);
  const reportPath = join(options.outDir, REPORT_FILE);
  const html = renderReportHtml({
    summary,
    result,
    command: reproduceCommand(options, decisions),
    files: [RESULT_FILE, MODEL_FILE, SEED_MODEL_FILE],
  });
  writeFileSync(reportPath, html);
  return { result, summary, reportPath, resultPath, modelPaths };
}

/**
 * `pnpm demo --scenario everything --decisions 5000 --seed 1 --policy q-learning`, with no absolute
 * path, and quoted for a POSIX shell where an argument needs it (`--scenario 'my market.json'`).
 */
function reproduceCommand(options: RunDemoOptions, decisions: number): string {
  const scenario = /[\\/]/.test(options.scenarioArg) ? (options.scenarioArg.split(/[\\/]/).pop() as string) : options.scenarioArg;
  const psi = options.psi ? " --psi" : "";
  return `pnpm demo --scenario ${shellQuote(scenario)} --decisions ${decisions} --seed ${options.seed} --policy ${shellQuote(options.policy)}${psi}`;
}
