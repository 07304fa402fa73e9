import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ContextInput, createRng, type OutcomeInput, type Provider, type ProviderInput } from "@aurora/domain";
import { RoutingEngine } from "@aurora/engine";
import { type PolicyConfig, Strategist } from "@aurora/strategist";
import { Bench } from "tinybench";
import { CONSTRAINTS, contextPool, providers as marketOf, stateKeyOf } from "./market.js";
import { quantile } from "./percentiles.js";

export interface EngineSpec {
  kind: "engine";
  providers: number;
  states: number;
  /** A file store at a temporary modelPath (journal, default fsync policy "always"). */
  durable: boolean;
  /** Seconds of throughput measurement per operation. */
  seconds: number;
  /** Seconds of latency sampling per operation (tinybench). */
  latencySeconds: number;
  /** Durable only: feedbacks awaiting their fsync at once (a sidecar under concurrent load). */
  inFlight: number;
  /**
   * Durable only. "batches": `inFlight` pairs are issued, then all their acknowledgements awaited
   * before the next batch (the work stops while each fsync runs). "window": a pair is issued as
   * soon as fewer than `inFlight` feedbacks await acknowledgement, as `inFlight` clients that each
   * send decide, feedback, wait, and again would (work overlaps the fsync). Default "batches".
   */
  loop?: "batches" | "window";
  /**
   * A policy kind (`q-learning`, `lin-ucb`, `ucb1`, …) with its defaults, starting empty: it
   * meets the states as the requests come. Default: Q-learning with every state in its table first.
   */
  policy?: string;
}

interface Measured {
  /** Operations per wall-clock second. */
  per_sec: number;
  /** Operations per second of CPU time (user + system, all threads): steadier on a shared machine. */
  per_cpu_sec: number;
  /** Share of the wall time the main thread was busy (event-loop utilisation); near 1: the thread is the limit. */
  main_busy: number;
  p50_us: number;
  p99_us: number;
  samples: number;
}

export interface EngineResult {
  spec: EngineSpec;
  prefill_s: number;
  decide: Measured;
  feedback: Measured;
  pair: Measured;
}

/** Decisions per timed round: a round of decides is followed by their (untimed) feedback, and back. */
const ROUND = 5_000;

export function success(decisionId: string): OutcomeInput {
  return { decision_id: decisionId, success: true, actual_cost_usd: 4.2, actual_latency_ms: 118, actual_reputation: 90 };
}

/** A Q-table that already holds `states` states for these providers, as after long use. */
export function prefilledPolicy(states: number, candidates: ProviderInput[]): Strategist {
  const strategist = new Strategist({ rng: createRng(1) });
  const context = { workload_type: "llm_inference", gpu_type: "a100", region: "r0", gpu_hours: 1 };
  const list = candidates as Provider[];
  for (let s = 0; s < states; s++) {
    const stateKey = stateKeyOf(s);
    const choice = strategist.choose({ stateKey, context, candidates: list });
    strategist.update({ stateKey, context, provider: list[choice.index] as Provider, reward: 8 - (s % 7) / 3 });
  }
  return strategist;
}

class Timer {
  wallMs = 0;
  cpuUs = 0;
  ops = 0;
  #wall = 0;
  activeMs = 0;
  #cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  #loop = performance.eventLoopUtilization();

  start(): void {
    this.#cpu = process.cpuUsage();
    this.#loop = performance.eventLoopUtilization();
    this.#wall = performance.now();
  }

  stop(ops: number): void {
    this.wallMs += performance.now() - this.#wall;
    const cpu = process.cpuUsage(this.#cpu);
    this.cpuUs += cpu.user + cpu.system;
    this.activeMs += performance.eventLoopUtilization(this.#loop).active;
    this.ops += ops;
  }

  rates(): Pick<Measured, "per_sec" | "per_cpu_sec" | "main_busy"> {
    return {
      per_sec: (this.ops / this.wallMs) * 1e3,
      per_cpu_sec: (this.ops / this.cpuUs) * 1e6,
      main_busy: Math.min(1, this.activeMs / this.wallMs),
    };
  }
}

function latency(samplesMs: number[]): Pick<Measured, "p50_us" | "p99_us" | "samples"> {
  const samples = samplesMs.slice();
  return { p50_us: quantile(samples, 0.5) * 1e3, p99_us: quantile(samples, 0.99) * 1e3, samples: samples.length };
}

export async function runEngineScenario(spec: EngineSpec): Promise<EngineResult> {
  const candidates = marketOf(spec.providers);
  const pool = contextPool(spec.states);
  const started = performance.now();
  const policy = spec.policy === undefined ? prefilledPolicy(spec.states, candidates) : ({ kind: spec.policy } as PolicyConfig);
  const prefill_s = (performance.now() - started) / 1e3;
  const dir = spec.durable ? mkdtempSync(join(tmpdir(), "aurora-bench-")) : undefined;
  const engine = new RoutingEngine({
    policy,
    seed: 7,
    ...(dir !== undefined ? { modelPath: join(dir, "model.json"), log: () => {} } : {}),
  });
  let next = 0;
  const request = () => ({
    context: pool[next++ % pool.length] as ContextInput,
    providers: candidates,
    constraints: CONSTRAINTS,
  });
  const ids: string[] = new Array(ROUND);

  try {
    // Warm-up: the JIT, and the bounded logs (decision records, audit ring) filled; fewer pairs
    // with many providers, where each takes longer. Under another learning policy than Q-learning
    // (some take ~50× longer a pair) 5,000 pairs warm the JIT, and the logs fill as it is measured.
    const warmup = spec.policy !== undefined ? 5_000 : Math.max(12_000, Math.round(600_000 / spec.providers));
    for (let i = 0; i < warmup; i++) await engine.feedback(success(engine.decide(request()).metadata.decision_id));

    const decide = new Timer();
    const feedback = new Timer();
    const pair = new Timer();
    const until = (seconds: number) => performance.now() + seconds * 1e3;

    for (const deadline = until(spec.seconds); performance.now() < deadline; ) {
      decide.start();
      for (let k = 0; k < ROUND; k++) ids[k] = engine.decide(request()).metadata.decision_id;
      decide.stop(ROUND);
      await settle(engine, ids, spec);
    }
    for (const deadline = until(spec.seconds); performance.now() < deadline; ) {
      for (let k = 0; k < ROUND; k++) ids[k] = engine.decide(request()).metadata.decision_id;
      feedback.start();
      await settle(engine, ids, spec);
      feedback.stop(ROUND);
    }
    for (const deadline = until(spec.seconds); performance.now() < deadline; ) {
      pair.start();
      if (spec.durable && spec.loop === "window") {
        await windowedPairs(engine, request, spec.inFlight, ROUND);
      } else if (spec.durable) {
        for (let k = 0; k < ROUND; k++) ids[k] = engine.decide(request()).metadata.decision_id;
        await settle(engine, ids, spec);
      } else {
        for (let k = 0; k < ROUND; k++) await engine.feedback(success(engine.decide(request()).metadata.decision_id));
      }
      pair.stop(ROUND);
    }

    const latencies = await sampleLatencies(engine, request, spec);
    return {
      spec,
      prefill_s,
      decide: { ...decide.rates(), ...latencies.decide },
      feedback: { ...feedback.rates(), ...latencies.feedback },
      pair: { ...pair.rates(), ...latencies.pair },
    };
  } finally {
    await engine.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Feedback for every id in `ids`. In memory each is awaited in turn (it resolves at once); with
 * the durable store up to `inFlight` wait for their fsync together, as a busy sidecar's would.
 */
async function settle(engine: RoutingEngine, ids: string[], spec: EngineSpec): Promise<void> {
  if (!spec.durable) {
    for (const id of ids) await engine.feedback(success(id));
    return;
  }
  for (let from = 0; from < ids.length; from += spec.inFlight) {
    const batch = ids.slice(from, from + spec.inFlight);
    await Promise.all(batch.map((id) => engine.feedback(success(id))));
  }
}

/**
 * `count` decide+feedback pairs, each issued while fewer than `inFlight` feedbacks await their
 * acknowledgement; resolves when all are acknowledged. `onAcknowledged` gets each pair's times.
 */
export async function windowedPairs(
  engine: RoutingEngine,
  request: () => Parameters<RoutingEngine["decide"]>[0],
  inFlight: number,
  count: number,
  onAcknowledged?: (decidedAt: number, sentAt: number, now: number) => void,
): Promise<void> {
  let waiting = 0;
  let wake: (() => void) | undefined;
  let failure: unknown;
  const acknowledged = () => {
    waiting--;
    if (wake !== undefined && waiting < inFlight) {
      const resume = wake;
      wake = undefined;
      resume();
    }
  };
  for (let k = 0; k < count; k++) {
    if (waiting >= inFlight) await new Promise<void>((resolve) => (wake = resolve));
    if (failure !== undefined) throw failure;
    const decidedAt = onAcknowledged ? performance.now() : 0;
    const id = engine.decide(request()).metadata.decision_id;
    const sentAt = onAcknowledged ? performance.now() : 0;
    waiting++;
    engine.feedback(success(id)).then(
      () => {
        onAcknowledged?.(decidedAt, sentAt, performance.now());
        acknowledged();
      },
      (error: unknown) => {
        failure ??= error;
        acknowledged();
      },
    );
  }
  while (waiting > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failure !== undefined) throw failure;
}

type Latencies = Record<"decide" | "feedback" | "pair", Pick<Measured, "p50_us" | "p99_us" | "samples">>;

/**
 * Per-operation latency, sampled by tinybench (each call timed on its own). With the durable store,
 * feedback latency is the time to its acknowledgement with `inFlight` feedbacks sharing fsyncs.
 */
async function sampleLatencies(
  engine: RoutingEngine,
  request: () => Parameters<RoutingEngine["decide"]>[0],
  spec: EngineSpec,
): Promise<Latencies> {
  const bench = new Bench({ time: spec.latencySeconds * 1e3, warmupTime: 200 });
  let decided = "";
  bench.add(
    "decide",
    () => {
      decided = engine.decide(request()).metadata.decision_id;
    },
    { afterEach: async () => void (await engine.feedback(success(decided))) },
  );
  if (!spec.durable) {
    bench.add("feedback", async () => void (await engine.feedback(success(decided))), {
      beforeEach: () => {
        decided = engine.decide(request()).metadata.decision_id;
      },
    });
    bench.add("pair", async () => void (await engine.feedback(success(engine.decide(request()).metadata.decision_id))));
  }
  await bench.warmup();
  await bench.run();
  const samplesOf = (name: string) => bench.tasks.find((task) => task.name === name)?.result?.samples ?? [];
  if (!spec.durable)
    return { decide: latency(samplesOf("decide")), feedback: latency(samplesOf("feedback")), pair: latency(samplesOf("pair")) };
  const acknowledged = await durableAcknowledgements(engine, request, spec);
  return { decide: latency(samplesOf("decide")), feedback: latency(acknowledged.feedback), pair: latency(acknowledged.pair) };
}

/** Durable: for batches of `inFlight` pairs, each feedback's time to acknowledgement and each pair's. */
async function durableAcknowledgements(
  engine: RoutingEngine,
  request: () => Parameters<RoutingEngine["decide"]>[0],
  spec: EngineSpec,
): Promise<{ feedback: number[]; pair: number[] }> {
  const feedback: number[] = [];
  const pair: number[] = [];
  const deadline = performance.now() + spec.latencySeconds * 1e3;
  if (spec.loop === "window") {
    const record = (decidedAt: number, sentAt: number, now: number) => {
      feedback.push(now - sentAt);
      pair.push(now - decidedAt);
    };
    while (performance.now() < deadline) await windowedPairs(engine, request, spec.inFlight, ROUND, record);
    return { feedback, pair };
  }
  while (performance.now() < deadline) {
    const waits: Promise<void>[] = [];
    for (let k = 0; k < spec.inFlight; k++) {
      const decidedAt = performance.now();
      const id = engine.decide(request()).metadata.decision_id;
      const sentAt = performance.now();
      waits.push(
        engine.feedback(success(id)).then(() => {
          const now = performance.now();
          feedback.push(now - sentAt);
          pair.push(now - decidedAt);
        }),
      );
    }
    await Promise.all(waits);
  }
  return { feedback, pair };
}
