import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/** The built command (`pnpm --filter @aurora/demo build` first; `pnpm test` builds before testing). */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js");

/** Runs `aurora-demo` in a child Node process, from `cwd`, as a shell would. */
function demo(args: readonly string[], cwd: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, INIT_CWD: cwd };
    execFile(process.execPath, [MAIN, ...args], { cwd, env, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Two providers, one tenant: small enough to run in a moment. */
function scenario(price = 2, events: unknown[] = []) {
  const provider = (id: string, a100: number) => ({
    provider_id: id,
    advertised: { prices: { a100 }, latency_ms: 100, reputation: 90, regions: ["r1"] },
    hidden: { failure_rate: 0.05, latency_mean_ms: 120 },
  });
  return {
    name: "small",
    decisions: 50,
    providers: [provider("a", price), provider("b", 3)],
    tenants: [{ tenant_id: "t", regions: ["r1"], workloads: [{ workload_type: "w", gpu_types: ["a100"], gpu_hours: [1, 2] }] }],
    events,
  };
}

describe("aurora-demo, run as a command", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-demo-main-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 2 naming the scenario file's field for a price no request may carry, before running anything", async () => {
    writeFileSync(join(dir, "huge.json"), JSON.stringify(scenario(1e300)));
    const { status, stdout, stderr } = await demo(["--scenario", "huge.json", "--out", "out"], dir);
    expect(stderr).toBe(
      `aurora-demo: --scenario: providers[0].advertised.prices.a100: must be at most 1,000,000 (USD per GPU hour), the most a request may carry (in ${join(dir, "huge.json")})\n` +
        "Run `pnpm demo --help` for the flags.\n",
    );
    expect(status).toBe(2);
    expect(stdout).toBe("");
  });

  it("exits 2 naming the spike for price spikes that would multiply beyond the limit in this run", async () => {
    const events = [
      { type: "price_spike", at: "10%", duration: "50%", factor: 1000 },
      { type: "price_spike", at: 20, duration: 30, factor: 1000 },
    ];
    writeFileSync(join(dir, "spikes.json"), JSON.stringify(scenario(2, events)));
    const { status, stderr } = await demo(["--scenario", "spikes.json", "--out", "out"], dir);
    expect(stderr).toMatch(/^aurora-demo: --scenario: events\[1\]\.factor: price spikes in force together at step 20 /);
    expect(status).toBe(2);
    // Of 50 steps, the first spike is in force at 5–29; of 1,000, at 100–599, after the second (20–49).
    const longer = await demo(["--scenario", "spikes.json", "--decisions", "1000", "--out", "out"], dir);
    expect(longer.stderr).toBe("");
    expect(longer.status).toBe(0);
  });

  it("exits 2 saying a scenario path is a folder, not that it is missing", async () => {
    mkdirSync(join(dir, "folder.json"));
    const { status, stderr } = await demo(["--scenario", "folder.json"], dir);
    expect(stderr).toBe(
      `aurora-demo: --scenario: scenario file "${join(dir, "folder.json")}" could not be read: it is a folder: give the path of a scenario .json file\n` +
        "Run `pnpm demo --help` for the flags.\n",
    );
    expect(status).toBe(2);
  });

  it("quotes the report's reproduce command for a shell when the scenario file's name needs it", async () => {
    mkdirSync(join(dir, "sp dir"));
    writeFileSync(join(dir, "sp dir", "my market.json"), JSON.stringify(scenario()));
    const { status } = await demo(["--scenario", "sp dir/my market.json", "--out", "out"], dir);
    expect(status).toBe(0);
    const report = readFileSync(join(dir, "out", "report.html"), "utf8");
    expect(report).toContain(
      "<code>pnpm demo --scenario &#39;my market.json&#39; --decisions 50 --seed 1 --policy lin-ucb</code>",
    );
  });
});
