import type { ContextInput } from "@aurora/domain";
import { RoutingEngine } from "@aurora/engine";
import { alternatingRounds, median } from "./alternating-rounds.js";
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

interface Side {
  engine: RoutingEngine;
  pairs: (count: number) => Promise<void>;
}

export async function runStatesRatioScenario(spec: StatesRatioSpec): Promise<StatesRatioResult> {
  const candidates = marketOf(spec.providers);
  const sides = [10, spec.states].map((states) => {
    const engine = new RoutingEngine({ policy: prefilledPolicy(states, candidates), seed: 7 });
    const pool = contextPool(states);
    let next = 0;
    const pairs = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const context = pool[next++ % pool.length] as ContextInput;
        const { metadata } = engine.decide({ context, providers: candidates, constraints: CONSTRAINTS });
        await engine.feedback(success(metadata.decision_id));
      }
    };
    return { engine, pairs };
  }) as [Side, Side];
  try {
    // Warm-up: the JIT and the bounded logs, on both.
    for (const side of sides) await side.pairs(3 * spec.pairs);
    const { cpu, ratios, ratio } = await alternatingRounds([sides[0].pairs, sides[1].pairs], spec.rounds, spec.pairs);
    return { spec, base_cpu_us: median(cpu[0]), large_cpu_us: median(cpu[1]), ratio, ratios };
  } finally {
    for (const side of sides) await side.engine.close();
  }
}
