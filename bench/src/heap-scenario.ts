import type { ContextInput, OutcomeInput } from "@aurora/domain";
import { RoutingEngine } from "@aurora/engine";
import { CONSTRAINTS, contextPool, providers as marketOf } from "./market.js";

export interface HeapSpec {
  kind: "heap";
  providers: number;
  states: number;
  pairs: number;
  /** Pairs between two readings. */
  every: number;
}

interface HeapPoint {
  pairs: number;
  heap_mb: number;
  rss_mb: number;
  /** Wall-clock pairs per second since the previous reading. */
  pairs_per_sec: number;
}

export interface HeapResult {
  spec: HeapSpec;
  points: HeapPoint[];
  /** Heap after 1,200,000 pairs relative to after 200,000, in percent (the target: ≤ +10%). */
  growth_pct: number;
}

/** Readings after a full collection (node --expose-gc), so they show what is kept, not garbage. */
export async function runHeapScenario(spec: HeapSpec): Promise<HeapResult> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("run with node --expose-gc");
  const candidates = marketOf(spec.providers);
  const pool = contextPool(spec.states);
  const engine = new RoutingEngine({ seed: 11 });
  const outcome = (decisionId: string): OutcomeInput => ({
    decision_id: decisionId,
    success: true,
    actual_cost_usd: 4,
    actual_latency_ms: 120,
    actual_reputation: 90,
  });
  const points: HeapPoint[] = [];
  let last = performance.now();
  let elapsed = 0;
  for (let done = 0; done < spec.pairs; ) {
    for (let k = 0; k < spec.every; k++, done++) {
      const { metadata } = engine.decide({
        context: pool[done % pool.length] as ContextInput,
        providers: candidates,
        constraints: CONSTRAINTS,
      });
      await engine.feedback(outcome(metadata.decision_id));
    }
    elapsed += performance.now() - last;
    collect();
    collect();
    const memory = process.memoryUsage();
    points.push({
      pairs: done,
      heap_mb: memory.heapUsed / 2 ** 20,
      rss_mb: memory.rss / 2 ** 20,
      pairs_per_sec: (spec.every / elapsed) * 1e3,
    });
    elapsed = 0;
    last = performance.now();
  }
  await engine.close();
  const at = (pairs: number) => points.find((p) => p.pairs === pairs)?.heap_mb ?? Number.NaN;
  return { spec, points, growth_pct: (at(1_200_000) / at(200_000) - 1) * 100 };
}
