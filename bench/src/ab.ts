/**
 * Two builds of @aurora/engine, A and B, in one process, measured in alternating rounds, so that
 * the noise of a shared machine falls on both alike. Prints the CPU µs per decide+feedback pair of
 * each (median of the rounds) and the median of B's CPU time over A's, round by round.
 *
 *   node bench/dist/ab.js <A engine package dir> <B engine package dir> [rounds=16] [durable]
 *   N=100 node bench/dist/ab.js …   # providers (default 10)
 *   STATES=1000000 node bench/dist/ab.js …   # states (default 10): each decided once first, then
 *                                            # requests cycle over up to 65,536 of them, shuffled
 *   POLICY=lin-ucb node bench/dist/ab.js …   # the engines' policy (default: the engine's, q-learning)
 *   STATES=10 STATES_B=1000000 node bench/dist/ab.js packages/engine packages/engine
 *                                            # B with other states than A: cost per pair against states
 *
 * A package dir is packages/engine of a built clone (e.g. `git clone . /tmp/base && cd /tmp/base
 * && git checkout <commit> && pnpm install && pnpm -r build`). Pairs run as in the bench's durable
 * window loop: a pair starts whenever fewer than 256 feedbacks await their acknowledgement. With
 * `durable`, each engine has a file store (fsync "always") in a temporary folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ContextInput } from "@aurora/domain";
import type { RoutingEngine } from "@aurora/engine";
import { alternatingRounds, median } from "./alternating-rounds.js";
import { windowedPairs } from "./engine-scenario.js";
import { CONSTRAINTS, contextOf, contextPool, providers as marketOf } from "./market.js";

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) {
  console.error("usage: node bench/dist/ab.js <A engine dir> <B engine dir> [rounds] [durable]");
  process.exit(2);
}
const rounds = Number(process.argv[4] ?? 16);
const durable = process.argv[5] === "durable";
const count = Number(process.env.N ?? 10);
const candidates = marketOf(count);
const statesOf = [Number(process.env.STATES ?? 10), Number(process.env.STATES_B ?? process.env.STATES ?? 10)] as const;
const contextsOf = [contextPool(statesOf[0]), contextPool(statesOf[1])] as const;
const folders: string[] = [];

async function make(dir: string): Promise<RoutingEngine> {
  const module = (await import(pathToFileURL(join(resolve(dir), "dist/index.js")).href)) as {
    RoutingEngine: new (options: object) => RoutingEngine;
  };
  const options: Record<string, unknown> = { seed: 7, log: () => {} };
  if (process.env.POLICY) options.policy = { kind: process.env.POLICY };
  if (durable) {
    const folder = mkdtempSync(join(tmpdir(), "aurora-ab-"));
    folders.push(folder);
    options.modelPath = join(folder, "model.json");
  }
  return new module.RoutingEngine(options);
}

let next = 0;
const requestOf = (contexts: ContextInput[]) => () => ({
  context: contexts[next++ % contexts.length]!,
  providers: candidates,
  constraints: CONSTRAINTS,
});
const requests = [requestOf(contextsOf[0]), requestOf(contextsOf[1])] as const;

const engines = [await make(dirA), await make(dirB)] as const;
for (const [i, engine] of engines.entries()) {
  for (let state = 0; state < statesOf[i as 0 | 1]; state++) {
    const { metadata } = engine.decide({ context: contextOf(state), providers: candidates, constraints: CONSTRAINTS });
    await engine.feedback({ decision_id: metadata.decision_id, success: true, actual_cost_usd: 2, actual_latency_ms: 100 });
  }
}
const perRound = Math.round(((durable ? 20_000 : 100_000) * 10) / count);
for (const [i, engine] of engines.entries()) await windowedPairs(engine, requests[i as 0 | 1], 256, 2 * perRound); // warm-up
const { cpu, ratio } = await alternatingRounds(
  [(n) => windowedPairs(engines[0], requests[0], 256, n), (n) => windowedPairs(engines[1], requests[1], 256, n)],
  rounds,
  perRound,
);
console.log(
  `${count} providers, ${statesOf[0]}${statesOf[1] === statesOf[0] ? "" : ` (B: ${statesOf[1]})`} states${durable ? ", durable" : ""}: A ${median(cpu[0]).toFixed(2)} CPU µs/pair, B ${median(cpu[1]).toFixed(2)}; ` +
    `B/A median ratio ${ratio.toFixed(3)} over ${rounds} rounds`,
);
for (const engine of engines) await engine.close();
for (const folder of folders) rmSync(folder, { recursive: true, force: true });
