// What finding a state costs among 10 and among 1,000,000 (`pnpm build` first):
//   node bench/state-lookup.bench.mjs [states=1000000] [rounds=12]
// Each request builds its state key afresh, as the engine does, for a state drawn at random (so
// the order never walks the table in the order it was filled, which the memory prefetcher would
// turn into a flat cost). Three loops, each in alternating rounds so that a shared machine's
// noise falls on both sizes alike; CPU ns per call, median:
// - `floor`: hashing the key and one read of a random slot of an array as large as the StateIndex's
//   slots, what any hash table costs at least: the part of a lookup that more states must slow down;
// - `Map`: a `Map<string, number>` from key to row, then a read of the row (what the Q-table did
//   before its StateIndex), as a yardstick;
// - `choose`: the Q-learning policy's `choose` over 10 candidates, which finds the state through
//   its StateIndex and reads the row.
import { createRng, seededStringHash } from "@aurora/domain";
import { Strategist } from "../dist/index.js";

const large = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 12);
const PER_ROUND = 100_000;
const POOL = 65_536;

const candidates = Array.from({ length: 10 }, (_, i) => ({
  provider_id: `provider-${i}`,
  price_usd_per_hour: 2,
  latency_ms: 100,
  reputation: 90,
  gpu_types: ["a100"],
  regions: ["us"],
}));
const context = { workload_type: "llm_inference", gpu_type: "a100", region: "r0", gpu_hours: 1 };
const keyOf = (state) => ["llm_inference", "a100", `r${state}`].join(":");

let seed = 0x9e3779b9;
const random = () => {
  seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
  return seed / 2 ** 32;
};
/** The states requests cycle over: 65,536 drawn at random. */
const statesOf = (states) => Array.from({ length: POOL }, () => Math.floor(random() * states));

function floorSide(states) {
  let capacity = 16;
  while (capacity < 2 * states) capacity *= 2;
  const slots = new Int32Array(2 * capacity).fill(1);
  const mask = capacity - 1;
  const picks = statesOf(states);
  let next = 0;
  return () => {
    let sum = 0;
    for (let i = 0; i < PER_ROUND; i++) sum += slots[2 * (seededStringHash(7, keyOf(picks[next++ % POOL])) & mask) + 1];
    return sum;
  };
}

function mapSide(states) {
  const rows = new Map();
  for (let s = 0; s < states; s++) rows.set(JSON.parse(JSON.stringify(keyOf(s))), s);
  const values = Array.from({ length: Math.ceil(states / 1024) }, () => new Float64Array(1024 * 10).fill(1));
  const picks = statesOf(states);
  let next = 0;
  let sum = 0;
  return () => {
    for (let i = 0; i < PER_ROUND; i++) {
      const row = rows.get(keyOf(picks[next++ % POOL]));
      sum += values[row >>> 10][(row & 1023) * 10];
    }
    return sum;
  };
}

function chooseSide(states) {
  const strategist = new Strategist({ rng: createRng(1) });
  for (let s = 0; s < states; s++) {
    const stateKey = keyOf(s);
    const choice = strategist.choose({ stateKey, context, candidates });
    strategist.update({ stateKey, context, provider: candidates[choice.index], reward: 8 - (s % 7) / 3 });
  }
  const picks = statesOf(states);
  let next = 0;
  return () => {
    let sum = 0;
    for (let i = 0; i < PER_ROUND; i++)
      sum += strategist.choose({ stateKey: keyOf(picks[next++ % POOL]), context, candidates }).index;
    return sum;
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

function measure(name, make) {
  const sides = [make(10), make(large)];
  for (const side of sides) side();
  const ns = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const start = process.cpuUsage();
      sides[i]();
      const used = process.cpuUsage(start);
      ns[i].push(((used.user + used.system) * 1000) / PER_ROUND);
    }
  }
  const [small, big] = ns.map(median);
  console.log(
    `${name.padEnd(7)} 10 states ${small.toFixed(0).padStart(5)} ns   ${large.toLocaleString("en")} states ${big.toFixed(0).padStart(5)} ns   +${(big - small).toFixed(0)} ns`,
  );
}

measure("floor", floorSide);
measure("Map", mapSide);
measure("choose", chooseSide);
