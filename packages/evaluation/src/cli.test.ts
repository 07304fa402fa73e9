import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { logLine, toJsonl } from "../test/log-lines.js";
import { logUniformly } from "../test/simulated-log.js";
import { runCli } from "./cli.js";

const dir = mkdtempSync(join(tmpdir(), "aurora-ope-cli-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

async function run(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { status, stdout, stderr };
}

const simulated = file(
  "outage.jsonl",
  toJsonl(logUniformly({ scenario: "outage", seed: 1, decisions: 1000, loggingSeed: 11 }).lines),
);

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

  it("exits 2 naming the line number and field of a bad log line", async () => {
    const bad = file("bad.jsonl", toJsonl([logLine(), logLine({ decision_id: "d2", propensity: 1.5 })]));
    const { status, stdout, stderr } = await run(["--log", bad, "--policy", "always:a"]);
    expect(status).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `aurora-ope: ${bad} line 2: propensity: must be at most 1 (fix or remove the line; each line is one JSON decision record)\n`,
    );
  });

  it("exits 2 naming a decision logged twice", async () => {
    const twice = file("twice.jsonl", toJsonl([logLine(), logLine({ decision_id: "d2" }), logLine()]));
    const { status, stdout, stderr } = await run(["--log", twice, "--policy", "always:a"]);
    expect(status).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      `aurora-ope: --log: ${twice}: log[2].decision_id: "${logLine().decision_id}" repeats the decision of log[0]`,
    );
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
    expect(stdout).toMatch(/^Usage: aurora-ope --log FILE --policy POLICY \[options\]/);
  });
});
