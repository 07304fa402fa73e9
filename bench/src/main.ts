/**
 * `pnpm bench` (at the root) — Aurora's benchmark suite. Runs each scenario in a fresh Node process,
 * collects the sidecar's request rates, prints the tables and rewrites the generated block of
 * docs/benchmarks.md (the hand-written text around it is left alone).
 *
 *   node bench/dist/main.js [--quick] [--no-sidecar] [--no-docs] [--json FILE]
 *
 * --quick: shorter measurements and the smaller state counts, for a smoke run (~2 minutes).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { policyCatalog } from "@aurora/strategist";
import type { Spec } from "./child.js";
import type { EngineResult, EngineSpec } from "./engine-scenario.js";
import type { HeapResult } from "./heap-scenario.js";
import { describeMachine, type Machine } from "./machine.js";
import { count, markdownTable, micros, replaceGenerated } from "./markdown.js";
import type { MemoryResult } from "./memory-scenario.js";
import type { StatesRatioResult } from "./ratio-scenario.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");

interface Options {
  quick: boolean;
  sidecar: boolean;
  docs: boolean;
  json: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { quick: false, sidecar: true, docs: true, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--quick") options.quick = true;
    else if (flag === "--no-sidecar") options.sidecar = false;
    else if (flag === "--no-docs") options.docs = false;
    else if (flag === "--json") {
      options.json = argv[++i];
      if (options.json === undefined) throw new Error("--json needs a file path");
    } else throw new Error(`unknown option ${String(flag)}: use --quick, --no-sidecar, --no-docs or --json FILE`);
  }
  return options;
}

/** Runs one scenario in a child process (node --expose-gc) and returns its JSON result. */
function runChild<T>(spec: Spec): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", join(here, "child.js"), JSON.stringify(spec)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`scenario ${JSON.stringify(spec)} failed (exit ${code}):\n${stderr.trim()}`));
        return;
      }
      const lines = stdout.trim().split("\n");
      resolvePromise(JSON.parse(lines[lines.length - 1] as string) as T);
    });
  });
}

interface SidecarRow {
  scenario: string;
  providers: number;
  connections: number;
  requests_per_sec: number;
  decisions_per_sec: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
  server_cpu_us_per_request: number;
}

/** The sidecar's own benchmark (`pnpm --filter @aurora/sidecar bench -- --json FILE`), or why not. */
function runSidecar(quick: boolean): { rows: SidecarRow[] } | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), "aurora-sidecar-bench-"));
  const file = join(dir, "sidecar.json");
  try {
    const args = [
      "--filter",
      "@aurora/sidecar",
      "bench",
      "--",
      "--json",
      file,
      ...(quick ? ["--duration", "3", "--warmup", "1"] : []),
    ];
    const run = spawnSync("pnpm", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });
    if (run.status !== 0 || !existsSync(file)) {
      return {
        error: `pnpm --filter @aurora/sidecar bench failed: ${(run.stderr || run.stdout || String(run.error)).trim().split("\n").slice(-3).join(" ")}`,
      };
    }
    return { rows: (JSON.parse(readFileSync(file, "utf8")) as { results: SidecarRow[] }).results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Results {
  machine: Machine;
  quick: boolean;
  engine: EngineResult[];
  /** In process, 10 providers and 10 states, under each learning policy. */
  policies: EngineResult[];
  durable: EngineResult[];
  memory: MemoryResult | undefined;
  heap: HeapResult | undefined;
  /** Cost per pair against the states, one run per state count, fewest first (the target reads the last). */
  statesRatios: StatesRatioResult[];
  sidecar: { rows: SidecarRow[] } | { error: string } | undefined;
  failures: string[];
}

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function attempt<T>(label: string, failures: string[], work: () => Promise<T>): Promise<T | undefined> {
  const started = performance.now();
  progress(`${label} …`);
  try {
    const result = await work();
    progress(`${label}: done in ${((performance.now() - started) / 1e3).toFixed(0)} s`);
    return result;
  } catch (error) {
    failures.push(`${label}: ${(error as Error).message}`);
    progress(`${label}: FAILED ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * The grid: 10 / 100 / 1,000 providers × 10 / 10,000 / 1,000,000 states, less 1,000 providers with
 * 1,000,000 states (the Q-table is dense: 8 GB of rows), and with --quick the 1,000,000-state runs.
 */
function engineSpecs(quick: boolean): EngineSpec[] {
  const seconds = quick ? 0.6 : 2;
  const latencySeconds = quick ? 0.3 : 1;
  const specs: EngineSpec[] = [];
  for (const providers of [10, 100, 1_000]) {
    for (const states of [10, 10_000, 1_000_000]) {
      if (providers === 1_000 && states === 1_000_000) continue;
      if (quick && states === 1_000_000) continue;
      specs.push({ kind: "engine", providers, states, durable: false, seconds, latencySeconds, inFlight: 1 });
    }
  }
  return specs;
}

async function runSuite(options: Options): Promise<Results> {
  const loadStart = loadavg()[0] ?? 0;
  const failures: string[] = [];
  const results: Omit<Results, "machine"> = {
    quick: options.quick,
    engine: [],
    policies: [],
    durable: [],
    memory: undefined,
    heap: undefined,
    statesRatios: [],
    sidecar: undefined,
    failures,
  };
  for (const spec of engineSpecs(options.quick)) {
    const result = await attempt(`engine, ${spec.providers} providers, ${spec.states} states`, failures, () =>
      runChild<EngineResult>(spec),
    );
    if (result) results.engine.push(result);
  }
  // What learning more costs: the same pairs under each policy the engine offers.
  for (const policy of LEARNING_POLICIES) {
    const spec: EngineSpec = {
      kind: "engine",
      providers: 10,
      states: 10,
      durable: false,
      seconds: options.quick ? 0.6 : 2,
      latencySeconds: options.quick ? 0.3 : 1,
      inFlight: 1,
      policy,
    };
    const result = await attempt(`engine, ${policy}, 10 providers, 10 states`, failures, () => runChild<EngineResult>(spec));
    if (result) results.policies.push(result);
  }
  // How the cost grows on the way to the target's million states: where it starts to, and how fast.
  for (const states of options.quick ? [10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000]) {
    const ratio = await attempt(`cost per pair, ${states} states against 10, alternating rounds`, failures, () =>
      runChild<StatesRatioResult>({ kind: "states-ratio", providers: 10, states, rounds: options.quick ? 6 : 12, pairs: 20_000 }),
    );
    if (ratio) results.statesRatios.push(ratio);
  }
  // Both loops at 10 providers with 10 and 10,000 states; the window loop (the target's) also with
  // 100 and 1,000 providers and with 1,000,000 states, whose snapshots the store writes while pairs run.
  const durableRuns: [number, number, "batches" | "window"][] = [
    [10, 10, "window"],
    [10, 10, "batches"],
    [10, 10_000, "window"],
    [10, 10_000, "batches"],
    [100, 10, "window"],
    [1_000, 10, "window"],
    ...(options.quick ? [] : [[10, 1_000_000, "window"] as [number, number, "window"]]),
  ];
  for (const [providers, states, loop] of durableRuns) {
    const spec: EngineSpec = {
      kind: "engine",
      providers,
      states,
      durable: true,
      seconds: options.quick ? 1 : 3,
      latencySeconds: options.quick ? 0.5 : 1.5,
      inFlight: 256,
      loop,
    };
    const result = await attempt(`durable engine, ${providers} providers, ${states} states, ${loop}`, failures, () =>
      runChild<EngineResult>(spec),
    );
    if (result) results.durable.push(result);
  }
  results.memory = await attempt("memory per Q-state", failures, () =>
    runChild<MemoryResult>({ kind: "memory", providers: 10, states: options.quick ? 100_000 : 1_000_000 }),
  );
  results.heap = await attempt("heap and RSS over 2,000,000 pairs", failures, () =>
    runChild<HeapResult>({
      kind: "heap",
      providers: 10,
      states: 1_000,
      pairs: options.quick ? 1_200_000 : 2_000_000,
      every: 200_000,
    }),
  );
  if (options.sidecar) {
    progress("sidecar (pnpm --filter @aurora/sidecar bench) …");
    results.sidecar = runSidecar(options.quick);
    if ("error" in results.sidecar) failures.push(`sidecar: ${results.sidecar.error}`);
  }
  return { machine: describeMachine(loadStart), ...results };
}

function find(results: EngineResult[], providers: number, states: number): EngineResult | undefined {
  return results.find((r) => r.spec.providers === providers && r.spec.states === states);
}

/** The durable run the target is read from: `inFlight` clients each waiting for their own acknowledgement. */
function findDurable(results: EngineResult[]): EngineResult | undefined {
  return (
    results.find((r) => r.spec.providers === 10 && r.spec.states === 10 && r.spec.loop === "window") ?? find(results, 10, 10)
  );
}

function check(met: boolean | undefined): string {
  return met === undefined ? "not measured" : met ? "yes" : "**no**";
}

function targetsTable(results: Results): string {
  const base = find(results.engine, 10, 10);
  const large = find(results.engine, 10, 1_000_000) ?? find(results.engine, 10, 10_000);
  const durable = findDurable(results.durable);
  const p100 = find(results.engine, 100, 10);
  const p1000 = find(results.engine, 1_000, 10);
  const ratio = results.statesRatios.at(-1);
  const perPair = (r: EngineResult | undefined) => (r ? 1e6 / r.pair.per_sec : Number.NaN);
  const rows: string[][] = [
    [
      "decide+feedback pairs/s, in process, 10 providers",
      "≥ 200,000",
      base ? count(base.pair.per_sec) : "–",
      check(base && base.pair.per_sec >= 200_000),
    ],
    ["p99 decide (µs), 10 providers", "≤ 50", base ? micros(base.decide.p99_us) : "–", check(base && base.decide.p99_us <= 50)],
    [
      `pairs/s, durable store (fsync "always", ${durable?.spec.inFlight ?? 256} clients each awaiting its acknowledgement)`,
      "≥ 50,000",
      durable ? count(durable.pair.per_sec) : "–",
      check(durable && durable.pair.per_sec >= 50_000),
    ],
    [
      `bytes per Q-state (10 providers, ${count(results.memory?.spec.states ?? Number.NaN)} states), engine`,
      "≤ 256",
      results.memory ? count(results.memory.engine_bytes_per_state) : "–",
      check(results.memory && results.memory.engine_bytes_per_state <= 256),
    ],
    [
      "heap from 200,000 to 1,200,000 pairs",
      "≤ +10%",
      results.heap ? `${results.heap.growth_pct >= 0 ? "+" : ""}${results.heap.growth_pct.toFixed(1)}%` : "–",
      check(results.heap && results.heap.growth_pct <= 10),
    ],
    [
      `cost per pair, ${count(ratio?.spec.states ?? large?.spec.states ?? Number.NaN)} states ÷ 10 states (CPU per pair, the same process, alternating rounds; in the table below, separate runs)`,
      "flat (≈ 1×: ≤ 1.1×)",
      `${ratio ? `${ratio.ratio.toFixed(2)}×` : "–"}${base && large ? ` (${(perPair(large) / perPair(base)).toFixed(2)}×)` : ""}`,
      check(ratio && ratio.ratio <= 1.1),
    ],
    [
      "cost per pair, 100 ÷ 10 providers; 1,000 ÷ 10",
      "near-linear (≤ 10×; ≤ 100×)",
      base && p100 && p1000
        ? `${(perPair(p100) / perPair(base)).toFixed(1)}×; ${(perPair(p1000) / perPair(base)).toFixed(0)}×`
        : "–",
      check(base && p100 && p1000 ? perPair(p100) / perPair(base) <= 10 && perPair(p1000) / perPair(base) <= 100 : undefined),
    ],
  ];
  return markdownTable(["target (2 cores, validation and auditing on)", "target", "measured", "met"], rows);
}

/**
 * The seed's claims, and its Python engine as measured in the issue on this kind of machine: it
 * cannot be run here (no PyPI), so those figures are quoted, not re-measured.
 */
function seedTable(results: Results): string {
  const base = find(results.engine, 10, 10);
  const durable = findDurable(results.durable);
  const grows = results.heap
    ? (results.heap.points.at(-1)?.heap_mb ?? Number.NaN) - (results.heap.points[0]?.heap_mb ?? Number.NaN)
    : Number.NaN;
  return markdownTable(
    ["measure", "seed's claim", "Python 1.0.0 (quoted from the issue)", "Aurora (measured above)"],
    [
      [
        "time per decision",
        "< 5 ms",
        "–",
        base ? `${micros(base.decide.p50_us)} µs p50, ${micros(base.decide.p99_us)} µs p99` : "–",
      ],
      ["decide+feedback pairs/s, saving off", "~10,000 decisions/s", "~21,000", base ? count(base.pair.per_sec) : "–"],
      [
        "pairs/s with saving on",
        "–",
        "~900 (auto-save rewrites the model each feedback)",
        durable ? `${count(durable.pair.per_sec)} (journal, fsync "always")` : "–",
      ],
      ["memory per Q-state", "~10 KB", "–", results.memory ? `${count(results.memory.engine_bytes_per_state)} bytes` : "–"],
      [
        "memory growth per decision",
        "–",
        "~3.9 KB, forever",
        results.heap
          ? `${((grows * 2 ** 20) / (results.heap.spec.pairs - results.heap.spec.every || 1)).toFixed(2)} bytes (bounded logs)`
          : "–",
      ],
    ],
  );
}

function engineTable(results: EngineResult[]): string {
  return markdownTable(
    [
      "providers",
      "states",
      "decide/s",
      "decide p50 µs",
      "decide p99 µs",
      "feedback/s",
      "feedback p50 µs",
      "feedback p99 µs",
      "pairs/s",
      "pair p50 µs",
      "pair p99 µs",
      "pairs per CPU-s",
    ],
    results.map((r) => [
      count(r.spec.providers),
      count(r.spec.states),
      count(r.decide.per_sec),
      micros(r.decide.p50_us),
      micros(r.decide.p99_us),
      count(r.feedback.per_sec),
      micros(r.feedback.p50_us),
      micros(r.feedback.p99_us),
      count(r.pair.per_sec),
      micros(r.pair.p50_us),
      micros(r.pair.p99_us),
      count(r.pair.per_cpu_sec),
    ]),
  );
}

/** Every learning policy the engine offers (the catalog the sidecar's `GET /policies` lists), the default first. */
const LEARNING_POLICIES = Object.keys(policyCatalog);

function policiesTable(results: EngineResult[]): string {
  return markdownTable(
    ["policy", "pairs/s", "pairs per CPU-s", "decide p50 µs", "decide p99 µs", "pair p50 µs", "pair p99 µs"],
    results.map((r) => [
      `\`${r.spec.policy ?? "q-learning"}\``,
      count(r.pair.per_sec),
      count(r.pair.per_cpu_sec),
      micros(r.decide.p50_us),
      micros(r.decide.p99_us),
      micros(r.pair.p50_us),
      micros(r.pair.p99_us),
    ]),
  );
}

function durableTable(results: EngineResult[]): string {
  return markdownTable(
    [
      "providers",
      "states",
      "loop",
      "in flight",
      "decide/s",
      "decide p99 µs",
      "feedback/s",
      "feedback ack p50 ms",
      "feedback ack p99 ms",
      "pairs/s",
      "pairs per CPU-s",
      "main thread busy",
    ],
    results.map((r) => [
      count(r.spec.providers),
      count(r.spec.states),
      r.spec.loop ?? "batches",
      count(r.spec.inFlight),
      count(r.decide.per_sec),
      micros(r.decide.p99_us),
      count(r.feedback.per_sec),
      (r.feedback.p50_us / 1e3).toFixed(2),
      (r.feedback.p99_us / 1e3).toFixed(2),
      count(r.pair.per_sec),
      count(r.pair.per_cpu_sec),
      r.pair.main_busy === undefined ? "–" : `${Math.round(r.pair.main_busy * 100)}%`,
    ]),
  );
}

function render(results: Results): string {
  const { machine } = results;
  const parts: string[] = [];
  parts.push(`## Current figures${results.quick ? " (--quick run)" : ""}`);
  parts.push(
    `Generated by \`pnpm bench\` on ${machine.date.slice(0, 10)} (${machine.date}): ${machine.cores} cores (${machine.cpu_model}), ` +
      `${machine.memory_gb} GB, ${machine.platform}, Node ${machine.node} (V8 ${machine.v8}). The machine is shared: ` +
      `1-minute load average ${machine.load_start} at the start and ${machine.load_end} at the end (2 = both cores busy). ` +
      "Every request carries constraints (validation and auditing on), the policy is the default Q-learning, " +
      "and the engine keeps its default decision records (10,000), audit ring (10,000) and finished-id memory (100,000).",
  );
  parts.push("### Targets (GitHub issue 8)", targetsTable(results));
  parts.push("### Against the seed", seedTable(results));
  if (results.engine.length > 0) {
    parts.push(
      "### In process (no store)",
      "Throughput: rounds of 5,000 decides (then their untimed feedback), 5,000 feedbacks (after untimed decides), " +
        "5,000 pairs (decide, then `await feedback`). Latency: every call timed on its own by tinybench. " +
        "The Q-table holds all the states before measuring; requests cycle over up to 65,536 of them in random order.",
      engineTable(results.engine),
    );
  }
  if (results.policies.length > 0) {
    parts.push(
      "### Learning policies (in process)",
      "The same pairs, 10 providers and 10 states, under each policy the engine offers (`policy: { kind }`, " +
        "sidecar `AURORA_POLICY`), each with its defaults; the learning policies start empty. The targets read " +
        "the default Q-learning; this is what learning more costs.",
      policiesTable(results.policies),
    );
  }
  const first = results.statesRatios[0];
  if (first) {
    parts.push(
      "Cost per pair against the states, measured so that the machine's noise falls on both alike: for each state count, an engine with 10 states " +
        `and one with that many (10 providers, filled as above) in one process, ${first.spec.rounds} rounds of ${count(first.spec.pairs)} pairs each, ` +
        "in alternating order; CPU per pair is the median over the rounds, the ratio the median of the rounds' ratios. The target reads the last row.",
      markdownTable(
        [
          "states",
          "CPU µs per pair, 10 states",
          "CPU µs per pair, these states",
          "ratio",
          "extra µs, (ratio − 1) × 10 states'",
          "rounds' ratios",
        ],
        results.statesRatios.map((r) => [
          count(r.spec.states),
          micros(r.base_cpu_us),
          micros(r.large_cpu_us),
          `${r.ratio.toFixed(2)}×`,
          micros((r.ratio - 1) * r.base_cpu_us),
          r.ratios.map((x) => x.toFixed(2)).join(", "),
        ]),
      ),
    );
  }
  if (results.durable.length > 0) {
    parts.push(
      "### Durable store (journal, default fsync policy)",
      '`modelPath` in a temporary folder: the default `FileStore`, `fsync: "always"` — a feedback resolves once its journal line is fsync\'d; ' +
        "feedbacks waiting at the same time share one fsync (group commit). Two loops, both with 256 feedbacks in flight: " +
        "*window* — a pair starts whenever fewer than 256 feedbacks await acknowledgement, as 256 clients that each send decide, " +
        "feedback, wait for the acknowledgement and go again would (the work overlaps the fsync; the target is read from this one); " +
        "*batches* — 256 pairs, then all their acknowledgements awaited before the next 256 (the figure of earlier reports: " +
        "nothing runs while an fsync does). *Main thread busy* is the event loop's utilisation during the pairs: near 100%, the " +
        "main thread's work, not the disk, is the limit. The window loop also runs with 100 and 1,000 providers and with " +
        "1,000,000 states (not with `--quick`); with a million states the store writes its ~190 MB snapshot while pairs run " +
        "(a snapshot is due once the journal holds 8 MiB), so that row includes the cost of one.",
      durableTable(results.durable),
    );
  }
  if (results.memory) {
    const m = results.memory;
    parts.push(
      "### Memory per Q-state",
      markdownTable(
        ["measure", "bytes per state", "notes"],
        [
          [
            "Q-learning policy alone",
            count(m.strategist_bytes_per_state),
            `${count(m.spec.states)} states × ${m.spec.providers} providers, state keys included`,
          ],
          [
            "whole engine",
            count(m.engine_bytes_per_state),
            `after its bounded logs were full (${m.engine_base_mb.toFixed(0)} MB for them)`,
          ],
        ],
      ),
    );
  }
  if (results.heap) {
    parts.push(
      "### Heap and RSS over 2,000,000 pairs",
      `10 providers, 1,000 states, one pair after another; readings after a full GC. Heap growth from 200,000 to 1,200,000 pairs: ${results.heap.growth_pct.toFixed(1)}%.`,
      markdownTable(
        ["pairs", "heap MB", "RSS MB", "pairs/s"],
        results.heap.points.map((p) => [count(p.pairs), p.heap_mb.toFixed(1), p.rss_mb.toFixed(0), count(p.pairs_per_sec)]),
      ),
    );
  }
  if (results.sidecar) {
    parts.push("### Sidecar (HTTP, autocannon in a child process)");
    if ("error" in results.sidecar) parts.push(`Not measured: ${results.sidecar.error}`);
    else {
      parts.push(
        markdownTable(
          [
            "scenario",
            "providers",
            "connections",
            "requests/s",
            "decisions/s",
            "p50 ms",
            "p99 ms",
            "non-2xx",
            "server CPU µs/request",
          ],
          results.sidecar.rows.map((r) => [
            r.scenario,
            count(r.providers),
            count(r.connections),
            count(r.requests_per_sec),
            count(r.decisions_per_sec),
            r.p50_ms.toFixed(2),
            r.p99_ms.toFixed(2),
            count(r.non_2xx + r.errors),
            r.server_cpu_us_per_request.toFixed(1),
          ]),
        ),
      );
    }
  }
  if (results.failures.length > 0) parts.push("### Not measured", results.failures.map((f) => `- ${f}`).join("\n"));
  return `${parts.join("\n\n")}\n`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(join(here, "child.js"))) throw new Error("build first: pnpm --filter @aurora/bench build");
  const started = performance.now();
  const results = await runSuite(options);
  const block = render(results);
  process.stdout.write(`\n${block}\n`);
  progress(`suite done in ${((performance.now() - started) / 6e4).toFixed(1)} min`);
  if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify(results, null, 2)}\n`);
  if (options.docs) {
    const docs = join(root, "docs", "benchmarks.md");
    const current = existsSync(docs) ? readFileSync(docs, "utf8") : "# Benchmarks\n";
    writeFileSync(docs, replaceGenerated(current, block));
    progress(`wrote ${docs}`);
  }
  if (results.failures.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).message}\n`);
  process.exit(1);
});
