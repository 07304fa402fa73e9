// What the garbage collector has to do per decide+feedback pair, in figures that do not depend on
// how busy the machine is: bytes allocated, bytes that survived a scavenge or were promoted to the
// old generation, and the number of collections (from V8's --trace-gc-nvp), for PAIRS in-process
// pairs with 10 providers (validation and auditing on, defaults otherwise). Wall-clock rates on a
// shared machine move by ±30%; these move by a few percent.
//
//   node bench/dist/gc-work.js [engine package dir=packages/engine] [engine options JSON]
//   node bench/dist/gc-work.js /tmp/base/packages/engine            # another build, for a before/after
//   node bench/dist/gc-work.js packages/engine '{"maxDecisionRecords":0}'   # without the decision archive
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { RoutingEngine } from "@aurora/engine";
import { CONSTRAINTS, contextPool, providers as marketOf } from "./market.js";

const PAIRS = Number(process.env.PAIRS ?? 300_000);
/** Distinct states the requests cycle over (`STATES=…`); each is decided once before counting starts. */
const STATES = Number(process.env.STATES ?? 10);

if (process.argv[2] === "--child") {
  const [, , , dir, optionsJson, pairs] = process.argv;
  const { RoutingEngine: Engine } = (await import(pathToFileURL(resolve(dir as string, "dist/index.js")).href)) as {
    RoutingEngine: new (options: object) => RoutingEngine;
  };
  const providers = marketOf(10);
  const contexts = contextPool(STATES);
  const engine = new Engine({ seed: 7, ...(JSON.parse(optionsJson as string) as object) });
  // Every state of the pool once first, in both runs (so it cancels out of the difference).
  for (let i = 0; i < Number(pairs) + contexts.length; i++) {
    const { metadata } = engine.decide({ context: contexts[i % contexts.length]!, providers, constraints: CONSTRAINTS });
    await engine.feedback({ decision_id: metadata.decision_id, success: true, actual_cost_usd: 2, actual_latency_ms: 100 });
  }
  process.exit(0);
}

const dir = resolve(process.argv[2] ?? "packages/engine");
const options = process.argv[3] ?? "{}";
const run = (pairs: number) => {
  const child = spawnSync(
    process.execPath,
    ["--trace-gc-nvp", process.argv[1] as string, "--child", dir, options, String(pairs)],
    {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(child.stderr || `child exited with ${child.status}`);
  const totals = { scavenges: 0, markCompacts: 0, allocated: 0, survived: 0, promoted: 0, pauseMs: 0 };
  for (const line of child.stdout.split("\n")) {
    const field = (name: string) => Number(line.match(new RegExp(` ${name}=([0-9.]+)`))?.[1] ?? 0);
    if (line.includes(" gc=s ")) {
      totals.scavenges++;
      totals.allocated += field("allocated");
      totals.survived += field("new_space_survived");
      totals.promoted += field("promoted");
    } else if (/ gc=m?mc /.test(line)) {
      totals.markCompacts++;
    } else continue;
    totals.pauseMs += field("pause");
  }
  return totals;
};
// The difference of two runs, so that start-up (module loading, the JIT) cancels out.
const short = run(PAIRS / 5);
const long = run(PAIRS);
const per = (key: keyof ReturnType<typeof run>) => (long[key] - short[key]) / (PAIRS - PAIRS / 5);
console.log(`${dir} ${options}, ${STATES} states, per pair over ${PAIRS - PAIRS / 5} pairs:`);
console.log(
  `  allocated ${per("allocated").toFixed(0)} B, survived a scavenge ${per("survived").toFixed(0)} B, promoted ${per("promoted").toFixed(0)} B;` +
    ` per 100,000 pairs ${(per("scavenges") * 1e5).toFixed(1)} scavenges, ${(per("markCompacts") * 1e5).toFixed(2)} mark-compacts,` +
    ` ${(per("pauseMs") * 1e5).toFixed(0)} ms paused (wall clock: noisy)`,
);
