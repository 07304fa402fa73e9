/**
 * Runs one scenario in this (fresh) process and prints its result as one line of JSON:
 * `node --expose-gc dist/child.js '<spec JSON>'`. A process per scenario keeps heaps, JIT state
 * and garbage from one measurement out of the next.
 */
import { type EngineSpec, runEngineScenario } from "./engine-scenario.js";
import { type HeapSpec, runHeapScenario } from "./heap-scenario.js";
import { type MemorySpec, runMemoryScenario } from "./memory-scenario.js";
import { runStatesRatioScenario, type StatesRatioSpec } from "./ratio-scenario.js";

export type Spec = EngineSpec | MemorySpec | HeapSpec | StatesRatioSpec;

const runners: { [K in Spec["kind"]]: (spec: Extract<Spec, { kind: K }>) => Promise<unknown> } = {
  engine: runEngineScenario,
  memory: runMemoryScenario,
  heap: runHeapScenario,
  "states-ratio": runStatesRatioScenario,
};

const spec = JSON.parse(process.argv[2] ?? "{}") as Spec;
const run = runners[spec.kind] as (spec: Spec) => Promise<unknown>;
if (run === undefined) {
  process.stderr.write(`unknown scenario kind ${JSON.stringify(spec.kind)}: use engine, memory, heap or states-ratio\n`);
  process.exit(2);
}
run(spec).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
