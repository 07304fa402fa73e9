import type { ContextInput } from "@aurora/domain";
import { RoutingEngine } from "@aurora/engine";
import { prefilledPolicy, success } from "./engine-scenario.js";
import { CONSTRAINTS, contextPool, providers as marketOf } from "./market.js";

/**
 * How the cost of a pair grows with the states, measured so that a shared machine's noise falls
 * on both sides alike: an engine with 10 states and one with `states` in the same process, their
 * decide+feedback pairs (as in the in-process runs) in alternating rounds, CPU time per pair.
 */
export interface StatesRatioSpec {
  kind: "states-ratio";
  providers: number;
  states: number;
  /** Rounds per engine; the order alternates from round to round. */
  rounds: number;
  /** Pairs per round. */
  pairs: number;
}

export interface StatesRatioResult {
  spec: StatesRatioSpec;
  /** Median over the rounds of CPU µs per pair: 10 states, `states` states. */
  base_cpu_us: number;
  large_cpu_us: number;
  /** Median of the rounds' ratios (large ÷ base). */
  ratio: number;
  /** Every round's ratio. */
  ratios: number[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;

export async function runStatesRatioScenario(spec: StatesRatioSpec): Promise<StatesRatioResult> {
  const candidates = marketOf(spec.providers);
  const sides = [10, spec.states].map((states) => {
    const engine = new RoutingEngine({ policy: prefilledPolicy(states, candidates), seed: 7 });
    const pool = contextPool(states);
    let next = 0;
    const pair = async () => {
      const context = pool[next++ % pool.length] as ContextInput;
      await engine.feedback(
        success(engine.decide({ context, providers: candidates, constraints: CONSTRAINTS }).metadata.decision_id),
      );
    };
    return { engine, pair, cpu: [] as number[] };
  });
  try {
    // Warm-up: the JIT and the bounded logs, on both.
    for (const side of sides) for (let i = 0; i < 3 * spec.pairs; i++) await side.pair();
    for (let round = 0; round < spec.rounds; round++) {
      for (const index of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const side = sides[index] as (typeof sides)[number];
        const start = process.cpuUsage();
        for (let i = 0; i < spec.pairs; i++) await side.pair();
        const used = process.cpuUsage(start);
        side.cpu.push((used.user + used.system) / spec.pairs);
      }
    }
    const [base, large] = sides as [(typeof sides)[number], (typeof sides)[number]];
    const ratios = large.cpu.map((cpu, round) => cpu / (base.cpu[round] as number));
    return { spec, base_cpu_us: median(base.cpu), large_cpu_us: median(large.cpu), ratio: median(ratios), ratios };
  } finally {
    for (const side of sides) await side.engine.close();
  }
}
