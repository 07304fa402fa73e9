import { type ContextInput, createRng, type Provider } from "@aurora/domain";
import { RoutingEngine } from "@aurora/engine";
import { Strategist } from "@aurora/strategist";
import { CONSTRAINTS, contextOf, providers as marketOf, stateKeyOf } from "./market.js";

export interface MemorySpec {
  kind: "memory";
  providers: number;
  states: number;
}

export interface MemoryResult {
  spec: MemorySpec;
  /** The Q-learning policy alone: its table, state keys included. */
  strategist_bytes_per_state: number;
  /** The whole engine, its bounded logs already full: what one more state costs it. */
  engine_bytes_per_state: number;
  /** Heap the engine holds once its bounded logs are full, before the states (MB). */
  engine_base_mb: number;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("run with node --expose-gc");
  collect();
  collect();
}

/** Heap and array buffers (the Q-table's rows are Float64Arrays) after a full collection. */
function used(): number {
  gc();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

export async function runMemoryScenario(spec: MemorySpec): Promise<MemoryResult> {
  const candidates = marketOf(spec.providers);

  const before = used();
  let strategist: Strategist | undefined = new Strategist({ rng: createRng(3) });
  const context = { workload_type: "llm_inference", gpu_type: "a100", region: "r0", gpu_hours: 1 };
  for (let s = 0; s < spec.states; s++) {
    const stateKey = stateKeyOf(s);
    const choice = strategist.choose({ stateKey, context, candidates: candidates as Provider[] });
    strategist.update({ stateKey, context, provider: candidates[choice.index] as Provider, reward: 8 - (s % 7) / 3 });
  }
  const strategistBytes = used() - before;
  // Read after measuring, so that the collector cannot take the table before the reading.
  if (strategist.stats().q_states !== spec.states) throw new Error("the strategist lost states");
  strategist = undefined;

  const empty = used();
  const engine = new RoutingEngine({ seed: 5 });
  const pair = async (context: ContextInput) => {
    const { metadata } = engine.decide({ context, providers: candidates, constraints: CONSTRAINTS });
    await engine.feedback({ decision_id: metadata.decision_id, success: true, actual_cost_usd: 4, actual_latency_ms: 120 });
  };
  // Fill the bounded logs (finished ids, decision records, audit ring) on one state first.
  const single = contextOf(0);
  for (let i = 0; i < 150_000; i++) await pair(single);
  const base = used();
  for (let s = 1; s <= spec.states; s++) await pair(contextOf(s));
  const after = used();
  await engine.close();
  return {
    spec,
    strategist_bytes_per_state: strategistBytes / spec.states,
    engine_bytes_per_state: (after - base) / spec.states,
    engine_base_mb: (base - empty) / 2 ** 20,
  };
}
