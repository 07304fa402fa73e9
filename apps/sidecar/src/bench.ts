#!/usr/bin/env node
/**
 * `pnpm --filter @aurora/sidecar bench [--duration 10] [--connections 10] [--providers 10] [--json FILE]`
 *
 * Starts the sidecar in this process (in-memory model, LOG_LEVEL=warn) and loads it with
 * autocannon from a child process, so the load generator never shares the server's event loop.
 * Scenarios: `decide` (POST /decide) and `decide+feedback` (each connection alternates a decide
 * and the feedback for it). Latency percentiles are computed from every response time, in ms.
 */
import { fork } from "node:child_process";
import type { EventEmitter } from "node:events";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { buildApp } from "./app.js";
import { parseConfig } from "./config.js";

interface LoadJob {
  url: string;
  scenario: Scenario;
  duration: number;
  connections: number;
  providers: number;
}

type Scenario = "decide" | "decide+feedback";

interface ScenarioResult {
  scenario: Scenario;
  providers: number;
  connections: number;
  duration_s: number;
  requests: number;
  requests_per_sec: number;
  /** For decide+feedback: decide/feedback pairs per second (half the requests). */
  decisions_per_sec: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  non_2xx: number;
  errors: number;
  /** CPU time (user + system) the server process spent per request, in µs: steadier than req/s on a shared machine. */
  server_cpu_us_per_request: number;
}

const LOAD_FLAG = "--load-generator";

function providersFor(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    provider_id: `provider-${i}`,
    price_usd_per_hour: 1.5 + (i % 5) * 0.4,
    latency_ms: 60 + ((i * 37) % 200),
    reputation: 70 + ((i * 7) % 30),
    capacity_available: 100,
    gpu_types: ["a100", "h100"],
    regions: ["us-west", "eu-central"],
  }));
}

function decideBody(providers: number): string {
  return JSON.stringify({
    context: { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 },
    providers: providersFor(providers),
    constraints: { max_price: 3.2, max_latency_ms: 300, min_reputation: 75 },
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Child side: runs one autocannon job and reports its summary to the parent. */
async function runLoad(job: LoadJob): Promise<ScenarioResult> {
  const body = decideBody(job.providers);
  const headers = { "content-type": "application/json" };
  const requests: autocannon.Request[] =
    job.scenario === "decide"
      ? [{ method: "POST", path: "/decide", headers, body }]
      : [
          {
            method: "POST",
            path: "/decide",
            headers,
            body,
            onResponse: (status: number, responseBody: string, context: object) => {
              (context as Record<string, unknown>).decisionId =
                status === 200
                  ? (JSON.parse(responseBody) as { metadata: { decision_id: string } }).metadata.decision_id
                  : undefined;
            },
          },
          {
            method: "POST",
            path: "/feedback",
            headers,
            setupRequest: (request: autocannon.Request, context: object) => {
              const decisionId = (context as Record<string, unknown>).decisionId;
              // A falsy return makes autocannon restart the sequence with a new decide.
              if (typeof decisionId !== "string") return undefined as unknown as autocannon.Request;
              return {
                ...request,
                body: JSON.stringify({
                  decision_id: decisionId,
                  success: true,
                  actual_cost_usd: 4.9,
                  actual_latency_ms: 120,
                  actual_reputation: 92,
                }),
              };
            },
          },
        ];

  let times = new Float64Array(1 << 16);
  let count = 0;
  // Without a callback autocannon returns an EventEmitter that is also a promise of the result.
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.duration,
    requests,
  }) as unknown as EventEmitter & PromiseLike<autocannon.Result>;
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    if (count === times.length) {
      const grown = new Float64Array(times.length * 2);
      grown.set(times);
      times = grown;
    }
    times[count++] = responseTime;
  });
  const result = await instance;
  const sorted = times.subarray(0, count).sort();
  const requestsPerSec = result.requests.total / result.duration;
  return {
    scenario: job.scenario,
    providers: job.providers,
    connections: job.connections,
    duration_s: Math.round(result.duration * 100) / 100,
    requests: result.requests.total,
    requests_per_sec: Math.round(requestsPerSec),
    decisions_per_sec: Math.round(job.scenario === "decide" ? requestsPerSec : requestsPerSec / 2),
    p50_ms: round3(percentile(sorted, 50)),
    p99_ms: round3(percentile(sorted, 99)),
    max_ms: round3(sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN),
    non_2xx: result.non2xx,
    errors: result.errors,
    server_cpu_us_per_request: Number.NaN,
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function runInChild(job: LoadJob): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [LOAD_FLAG], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (message) => resolve(message as ScenarioResult));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load generator exited with code ${String(code)}`));
    });
    child.send(job);
  });
}

interface BenchArgs {
  duration: number;
  warmup: number;
  connections: number;
  providers: number;
  json: string | undefined;
}

function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { duration: 10, warmup: 2, connections: 10, providers: 10, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const number = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got ${String(value)}`);
      i++;
      return n;
    };
    switch (flag) {
      case "--duration":
        args.duration = number();
        break;
      case "--warmup":
        args.warmup = number();
        break;
      case "--connections":
        args.connections = number();
        break;
      case "--providers":
        args.providers = number();
        break;
      case "--json":
        if (value === undefined) throw new Error("--json needs a file path");
        args.json = value;
        i++;
        break;
      case "--":
        break;
      default:
        throw new Error(`unknown option ${String(flag)}: use --duration, --warmup, --connections, --providers or --json FILE`);
    }
  }
  return args;
}

function table(results: ScenarioResult[]): string {
  const header = [
    "scenario",
    "providers",
    "conns",
    "req/s",
    "decisions/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "server CPU µs/req",
    "non-2xx",
    "errors",
  ];
  const rows = results.map((r) => [
    r.scenario,
    String(r.providers),
    String(r.connections),
    String(r.requests_per_sec),
    String(r.decisions_per_sec),
    r.p50_ms.toFixed(3),
    r.p99_ms.toFixed(3),
    r.max_ms.toFixed(3),
    r.server_cpu_us_per_request.toFixed(1),
    String(r.non_2xx),
    String(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

async function runBench(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const app = buildApp(parseConfig({ LOG_LEVEL: "warn", PORT: "0", AURORA_SEED: "42" }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("the sidecar did not bind a TCP port");
  const url = `http://127.0.0.1:${address.port}`;

  const results: ScenarioResult[] = [];
  try {
    for (const scenario of ["decide", "decide+feedback"] as const) {
      const job = { url, scenario, connections: args.connections, providers: args.providers };
      if (args.warmup > 0) await runInChild({ ...job, duration: args.warmup });
      const cpuBefore = process.cpuUsage();
      const result = await runInChild({ ...job, duration: args.duration });
      const cpu = process.cpuUsage(cpuBefore);
      result.server_cpu_us_per_request = Math.round(((cpu.user + cpu.system) / result.requests) * 10) / 10;
      results.push(result);
    }
  } finally {
    await app.close();
  }

  const report = {
    benchmark: "@aurora/sidecar",
    tool: "autocannon (child process)",
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? "unknown",
    results,
  };
  process.stdout.write(`${table(results)}\n`);
  if (args.json !== undefined) {
    writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`wrote ${args.json}\n`);
  }
}

if (process.argv.includes(LOAD_FLAG)) {
  process.once("message", (job) => {
    runLoad(job as LoadJob).then(
      (result) => process.send?.(result, () => process.exit(0)),
      (error: unknown) => {
        process.stderr.write(`load generator failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      },
    );
  });
} else {
  runBench(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
