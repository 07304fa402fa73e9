/**
 * Two builds of @aurora/engine, A and B, in one process, measured in alternating rounds, so that
 * the noise of a shared machine falls on both alike. Prints the CPU µs per decide+feedback pair of
 * each (median of the rounds) and the median of B's CPU time over A's, round by round.
 *
 *   node bench/dist/ab.js <A engine package dir> <B engine package dir> [rounds=16] [durable]
 *   N=100 node bench/dist/ab.js …   # providers (default 10)
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
import type { RoutingEngine } from "@aurora/engine";
import { windowedPairs } from "./engine-scenario.js";
import { CONSTRAINTS, contextOf, providers as marketOf } from "./market.js";

const [dirA, dirB] = process.argv.slice(2, 4);
if (!dirA || !dirB) {
  console.error("usage: node bench/dist/ab.js <A engine dir> <B engine dir> [rounds] [durable]");
  process.exit(2);
}
const rounds = Number(process.argv[4] ?? 16);
const durable = process.argv[5] === "durable";
const count = Number(process.env.N ?? 10);
const candidates = marketOf(count);
const contexts = Array.from({ length: 10 }, (_, state) => contextOf(state));
const folders: string[] = [];

async function make(dir: string): Promise<RoutingEngine> {
  const module = (await import(pathToFileURL(join(resolve(dir), "dist/index.js")).href)) as {
    RoutingEngine: new (options: object) => RoutingEngine;
  };
  const options: Record<string, unknown> = { seed: 7, log: () => {} };
  if (durable) {
    const folder = mkdtempSync(join(tmpdir(), "aurora-ab-"));
    folders.push(folder);
    options.modelPath = join(folder, "model.json");
  }
  return new module.RoutingEngine(options);
}

let next = 0;
const request = () => ({ context: contexts[next++ % contexts.length]!, providers: candidates, constraints: CONSTRAINTS });

const engines = [await make(dirA), await make(dirB)] as const;
const perRound = Math.round(((durable ? 20_000 : 100_000) * 10) / count);
for (const engine of engines) await windowedPairs(engine, request, 256, 2 * perRound); // warm-up
const cpu: [number[], number[]] = [[], []];
for (let r = 0; r < rounds; r++) {
  for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
    const start = process.cpuUsage();
    await windowedPairs(engines[i as 0 | 1], request, 256, perRound);
    const used = process.cpuUsage(start);
    cpu[i as 0 | 1].push((used.user + used.system) / perRound);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const ratio = median(cpu[0].map((a, k) => (cpu[1][k] as number) / a));
console.log(
  `${count} providers${durable ? ", durable" : ""}: A ${median(cpu[0]).toFixed(2)} CPU µs/pair, B ${median(cpu[1]).toFixed(2)}; ` +
    `B/A median ratio ${ratio.toFixed(3)} over ${rounds} rounds`,
);
for (const engine of engines) await engine.close();
for (const folder of folders) rmSync(folder, { recursive: true, force: true });
