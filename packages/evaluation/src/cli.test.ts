import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng, stateKey } from "@aurora/domain";
import { createPolicy } from "@aurora/strategist";
import { describe, expect, it } from "vitest";
import { logLine, toJsonl } from "../test/log-lines.js";
import { logUniformly, rewardAt } from "../test/simulated-log.js";
import { runCli } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "aurora-ope-cli-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** A pattern matching text that starts with `prefix`, taken literally. */
const startsWith = (prefix: string) => new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);

async function run(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

const outage = logUniformly({ scenario: "outage", seed: 1, decisions: 1000, loggingSeed: 11 });
const simulated = file("outage.jsonl", toJsonl(outage.lines));

/** A learning policy's model file after 40 rewards on the simulated log, so its ε has decayed from 0.5. */
function trainedSnapshot(kind: "q-learning" | "linear-value"): Record<string, unknown> {
  const policy = createPolicy({ kind, epsilon: 0.5 }, { rng: createRng(3) });
  for (const step of outage.steps.slice(0, 40)) {
    const key = stateKey(step.context);
    const choice = policy.choose({ stateKey: key, context: step.context, candidates: step.candidates });
    const reward = rewardAt(outage.market, step, choice.providerId);
    policy.update({ stateKey: key, context: step.context, provider: step.candidates[choice.index]!, reward });
  }
  return JSON.parse(JSON.stringify(policy.toJSON()));
}

describe("aurora-ope", () => {
  it("prints a table of estimator, estimate, 95% CI, n and ESS after the logged policy's own value", async () => {
    const { status, stdout, stderr } = await run(["--log", simulated, "--policy", "always:stratus-gpu", "--clip", "100"]);
    expect(stderr).toBe("");
    expect(status).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toBe(`Off-policy evaluation of always:stratus-gpu on ${simulated}`);
    expect(lines[1]).toBe("1000 decisions with a reward (0 without, left out); logged by uniform");
    expect(lines[3]).toMatch(/^estimator\s+estimate\s+95% CI\s+n\s+ESS$/);
    expect(lines[4]).toMatch(/^logged \(on-policy\)\s+-?\d+\.\d{3}\s+\[-?\d+\.\d{3}, -?\d+\.\d{3}\]\s+1000\s+1000\.0$/);
    expect(lines.slice(5, 8).map((l) => l.split(/\s+/)[0])).toEqual(["ips", "snips", "dr"]);
    expect(stdout).toContain(
      "95% CIs by normal approximation (estimate ± 1.96·stderr); weights clipped at 100 (0 cut); DR reward model: per-(state, provider) mean, 5-fold cross-fitted.",
    );
  });

  it("prints JSON with --json, the same numbers for the same seed", async () => {
    const argv = [
      "--log",
      simulated,
      "--policy",
      "q-learning",
      "--policy-config",
      '{"epsilon":0.3}',
      "--estimator",
      "snips",
      "--ci",
      "bootstrap",
      "--bootstrap-samples",
      "200",
      "--json",
    ];
    const first = await run(argv);
    expect(first.status).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result).toMatchObject({ target: "q-learning", lines: 1000, unrewarded: 0, logging_policies: ["uniform"] });
    expect(Object.keys(result.estimates)).toEqual(["snips"]);
    expect((await run(argv)).stdout).toBe(first.stdout);
  });

  it("prints a stderr and interval it cannot give (one decision of non-zero weight) as null in --json", async () => {
    const log = file(
      "one-weighted.jsonl",
      toJsonl([
        logLine({ decision_id: "d1", chosen: "a", propensity: 0.8, reward: 7.5 }),
        logLine({ decision_id: "d2", chosen: "b", propensity: 0.2, reward: 3 }),
        logLine({ decision_id: "d3", chosen: "b", propensity: 0.5, reward: -2 }),
      ]),
    );
    const answer = await run(["--log", log, "--policy", "always:a", "--json"]);
    expect(answer.status).toBe(0);
    expect(JSON.parse(answer.stdout).estimates.ips).toMatchObject({ estimate: 7.5 / 0.8 / 3, stderr: null, ci95: [null, null] });
    expect((await run(["--log", log, "--policy", "always:a"])).stdout).toMatch(/n\/a/);
  });

  it("reads several logs as one (replicas' logs): the same estimates as their lines in one file", async () => {
    const half = outage.lines.length / 2;
    const first = file("replica-a.jsonl", toJsonl(outage.lines.slice(0, half)));
    const second = file("replica-b.jsonl", toJsonl(outage.lines.slice(half)));
    const flags = ["--policy", "always:stratus-gpu", "--json"];
    const split = await run(["--log", first, "--log", second, ...flags]);
    expect(split.stderr).toBe("");
    expect(split.status).toBe(0);
    expect(JSON.parse(split.stdout)).toMatchObject({ lines: 1000 });
    expect(split.stdout).toBe((await run(["--log", simulated, ...flags])).stdout);
    const table = await run(["--log", first, "--log", second, "--policy", "always:stratus-gpu"]);
    expect(table.stdout.split("\n")[0]).toBe(`Off-policy evaluation of always:stratus-gpu on ${first}, ${second}`);
  });

  it("exits 2 when one log is given twice, or a decision is in two logs, naming both", async () => {
    const once = await run(["--log", simulated, "--log", simulated, "--policy", "always:stratus-gpu"]);
    expect(once.status).toBe(2);
    expect(once.stderr).toBe(
      `aurora-ope: --log: ${simulated} is ${simulated} again: each of its decisions would count twice\nRun aurora-ope --help for usage.\n`,
    );
    const a = file("a.jsonl", toJsonl([logLine(), logLine({ decision_id: "d2" })]));
    const b = file("b.jsonl", toJsonl([logLine({ decision_id: "d3" }), logLine({ decision_id: "d2" })]));
    const both = await run(["--log", a, "--log", b, "--policy", "always:a"]);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe(
      `aurora-ope: ${b} line 2: decision_id: "d2" repeats the decision of ${a} line 2: each decision must appear once (two logs that share lines, or replicas writing one file? Give each replica a log of its own) (fix or remove the line; each line is one JSON decision record)\n`,
    );
    // A settlement in one log and the feedback in the other (replicas): the feedback is kept.
    const settled = file(
      "settled.jsonl",
      toJsonl([logLine({ decision_id: "d2", resolution: "evicted", outcome: null, reward: null })]),
    );
    const kept = await run(["--log", a, "--log", settled, "--policy", "always:a"]);
    expect(kept.stderr).toBe("");
    expect(kept.stdout.split("\n")[1]).toBe(
      "2 decisions with a reward (0 without, left out; 1 settlement line replaced by another log's feedback line); logged by q-learning",
    );
    const missing = join(dir, "no-such-replica.jsonl");
    const gone = await run(["--log", a, "--log", missing, "--policy", "always:a"]);
    expect(gone.status).toBe(2);
    expect(gone.stderr).toContain(`--log: cannot read ${missing} (ENOENT)`);
    const folder = await run(["--log", a, "--log", dir, "--policy", "always:a"]);
    expect(folder.status).toBe(2);
    expect(folder.stderr).toContain(`--log: cannot read ${dir} (EISDIR)`);
    // Any system error opening it: a path through a file, a symbolic link loop.
    const through = join(a, "x");
    const notDir = await run(["--log", through, "--policy", "always:a"]);
    expect([notDir.status, notDir.stderr]).toEqual([2, expect.stringContaining(`--log: cannot read ${through} (ENOTDIR)`)]);
    symlinkSync(join(dir, "loop-b"), join(dir, "loop-a"));
    symlinkSync(join(dir, "loop-a"), join(dir, "loop-b"));
    const loop = await run(["--log", join(dir, "loop-a"), "--policy", "always:a"]);
    expect([loop.status, loop.stderr]).toEqual([2, expect.stringContaining(`--log: cannot read ${join(dir, "loop-a")} (ELOOP)`)]);
  });

  it("exits 2 naming the line number and field of a bad log line", async () => {
    const bad = file("bad.jsonl", toJsonl([logLine(), logLine({ decision_id: "d2", propensity: 1.5 })]));
    const { status, stdout, stderr } = await run(["--log", bad, "--policy", "always:a"]);
    expect(status).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `aurora-ope: ${bad} line 2: propensity: must be at most 1 (fix or remove the line; each line is one JSON decision record)\n`,
    );
  });

  it("exits 2 naming the file lines of a decision logged twice", async () => {
    // A blank line first: the lines are named as a text editor numbers them.
    const twice = file("twice.jsonl", `\n${toJsonl([logLine(), logLine({ decision_id: "d2" }), logLine()])}`);
    const { status, stdout, stderr } = await run(["--log", twice, "--policy", "always:a"]);
    expect(status).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `aurora-ope: ${twice} line 4: decision_id: "d1" repeats the decision of line 2: each decision must appear once (a log appended to twice?) (fix or remove the line; each line is one JSON decision record)\n`,
    );
  });

  describe("numbers the estimators cannot take", () => {
    it.each([
      [{ reward: 1e308 }, "reward: must be within ±1e16"],
      [{ reward: 1e17 }, "reward: must be within ±1e16"],
      [{ propensity: 1e-300 }, "propensity: must be at least 1e-100"],
      [{ inverse_propensity: 1e308 }, "inverse_propensity: must be at most 1e100"],
    ])("exits 2 for a line with %j, naming its line and field", async (override, message) => {
      const path = file("overflow.jsonl", toJsonl([logLine(), logLine({ decision_id: "d2", ...override })]));
      const { status, stdout, stderr } = await run(["--log", path, "--policy", "always:a"]);
      expect(status).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(startsWith(`aurora-ope: ${path} line 2: ${message}`));
    });
  });

  describe("always:<provider_id>", () => {
    it.each([
      [
        ["--policy", "always:a", "--policy-config", '{"epsilon":0}'],
        "--policy-config: config.epsilon: is not an option of always:a",
      ],
      [
        ["--policy", "always:a", "--snapshot", file("snapshot.json", "{}")],
        "--snapshot: snapshot: must not be given with always:a",
      ],
      [
        ["--policy", "always", "--policy-config", '{"provider_id":"a","epsilon":0}'],
        "--policy-config: config.epsilon: is not an option of always",
      ],
      [["--policy", "always:"], '--policy: kind: must name the provider after "always:"'],
    ])("exits 2 for %j, naming the flag at fault", async (argv, message) => {
      const { status, stdout, stderr } = await run(["--log", simulated, ...argv]);
      expect(status).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(startsWith(`aurora-ope: ${message}`));
      expect(stderr).toMatch(/Run aurora-ope --help for usage\.\n$/);
    });

    it("exits 2 naming a provider that is a candidate in no logged decision (a misspelt id)", async () => {
      const { status, stdout, stderr } = await run(["--log", simulated, "--policy", "always:stratus-gpus"]);
      expect(status).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(
        startsWith(
          `aurora-ope: --policy: provider "stratus-gpus" is a candidate in none of the 1000 rewarded decisions of ${simulated}, ` +
            "so always:stratus-gpus would pick uniformly at random everywhere: check the id (the log's candidates include ",
        ),
      );
      // The id meant is among those suggested.
      expect(stderr).toMatch(/candidates include [^)]*\bstratus-gpu\b/);
    });
  });

  it("gives no interval for IPS, SNIPS or DR, and warns, when one decision has weight", async () => {
    const one = file(
      "one-b.jsonl",
      toJsonl([
        logLine({ decision_id: "d1" }),
        logLine({ decision_id: "d2", chosen: "b", propensity: 0.2, reward: 4 }),
        logLine({ decision_id: "d3", reward: 6 }),
      ]),
    );
    const { status, stdout } = await run(["--log", one, "--policy", "always:b"]);
    expect(status).toBe(0);
    const rows = stdout.split("\n").slice(5, 8);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual(["ips", "snips", "dr"]);
    for (const row of rows) expect(row).toMatch(/\[n\/a, n\/a\]\s+3\s+1\.0$/);
    expect(stdout).toContain(
      "Warning: the effective sample size is 1.0, below 10: the estimates rest on a few decisions the target policy would have made, and their 95% CIs are unreliable",
    );
  });

  it("names the folds DR used, at most the decisions", async () => {
    const five = file("five.jsonl", toJsonl(["d1", "d2", "d3", "d4", "d5"].map((id) => logLine({ decision_id: id }))));
    const { status, stdout } = await run(["--log", five, "--policy", "always:a", "--folds", "1000"]);
    expect(status).toBe(0);
    expect(stdout).toContain("DR reward model: per-(state, provider) mean, 5-fold cross-fitted.");
  });

  describe("an epsilon in --policy-config with a --snapshot", () => {
    it.each(["q-learning", "linear-value"] as const)("replaces the snapshot's decayed ε for %s", async (kind) => {
      const snapshot = trainedSnapshot(kind);
      expect(snapshot.epsilon).toBeLessThan(0.5);
      expect(snapshot.epsilon).toBeGreaterThan(0.4);
      const saved = file(`${kind}.json`, JSON.stringify(snapshot));
      const greedy = file(`${kind}-greedy.json`, JSON.stringify({ ...snapshot, epsilon: 0 }));
      const argv = ["--log", simulated, "--policy", kind, "--seed", "5", "--json"];
      const withConfig = await run([...argv, "--snapshot", saved, "--policy-config", '{"epsilon":0}']);
      const savedGreedy = await run([...argv, "--snapshot", greedy]);
      const asSaved = await run([...argv, "--snapshot", saved]);
      expect(withConfig.status).toBe(0);
      expect(withConfig.stdout).toBe(savedGreedy.stdout);
      expect(asSaved.stdout).not.toBe(savedGreedy.stdout);
    });
  });

  it("exits 2 with usage help for a bad flag", async () => {
    const { status, stderr } = await run(["--log", simulated, "--policy", "always:a", "--clip", "-1"]);
    expect(status).toBe(2);
    expect(stderr).toBe(
      "aurora-ope: --clip: needs a value (write --flag=value for a value starting with '-')\nRun aurora-ope --help for usage.\n",
    );
  });

  it("exits 2 for a missing log, an unknown policy kind, bad policy options or a log too short", async () => {
    const cases: [string[], string][] = [
      [["--log", join(dir, "missing.jsonl"), "--policy", "always:a"], "--log: cannot read"],
      [["--log", simulated, "--policy", "nope"], '--policy: kind: must be one of "q-learning"'],
      [
        ["--log", simulated, "--policy", "q-learning", "--policy-config", '{"alpha":7}'],
        "--policy-config: alpha: must be a number greater than 0 and at most 1",
      ],
      [["--log", simulated, "--policy", "always"], "--policy-config: config.provider_id: must name the provider"],
      [
        ["--log", file("one.jsonl", toJsonl([logLine()])), "--policy", "always:a"],
        "must hold at least 2 logged decisions with rewards",
      ],
      [["--log", simulated, "--policy", "q-learning", "--snapshot", join(dir, "missing.json")], "--snapshot: cannot read"],
    ];
    for (const [argv, message] of cases) {
      const { status, stderr } = await run(argv);
      expect(status, argv.join(" ")).toBe(2);
      expect(stderr).toContain(message);
    }
  });

  it("exits 1 when the log cannot evaluate the policy", async () => {
    const onlyA = file("only-a.jsonl", toJsonl([logLine(), logLine({ decision_id: "d2" })]));
    const { status, stderr } = await run(["--log", onlyA, "--policy", "always:b"]);
    expect(status).toBe(1);
    expect(stderr).toContain(
      'aurora-ope: target policy "always:b" never picks the logged provider in any of the 2 logged decisions',
    );
  });

  it("prints usage for --help", async () => {
    const { status, stdout } = await run(["--help"]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: aurora-ope --log FILE \[--log FILE…\] --policy POLICY \[options\]/);
  });
});
