import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./cli-args.js";
import { CliUsageError } from "./errors.js";

function usageError(argv: string[]): CliUsageError {
  try {
    parseCliArgs(argv);
  } catch (error) {
    if (error instanceof CliUsageError) return error;
    throw error;
  }
  throw new Error("expected a CliUsageError");
}

const base = ["--log", "decisions.jsonl", "--policy", "rule"];

describe("parseCliArgs", () => {
  it("fills in the defaults", () => {
    expect(parseCliArgs(base)).toEqual({
      kind: "run",
      options: {
        log: ["decisions.jsonl"],
        policy: "rule",
        policyConfig: {},
        snapshot: undefined,
        estimators: ["ips", "snips", "dr"],
        clip: undefined,
        seed: 1,
        ci: "normal",
        bootstrapSamples: 2000,
        folds: 5,
        samples: 64,
        maxLineBytes: 16 * 1024 * 1024,
        json: false,
      },
    });
  });

  it("reads every option", () => {
    const command = parseCliArgs([
      ...base,
      "--policy-config",
      '{"epsilon":0}',
      "--snapshot=model.json",
      "--estimator",
      "dr,ips",
      "--clip",
      "100",
      "--seed",
      "7",
      "--ci",
      "bootstrap",
      "--bootstrap-samples",
      "500",
      "--folds",
      "2",
      "--samples",
      "10",
      "--max-line-bytes",
      "1024",
      "--json",
    ]);
    expect(command).toMatchObject({
      options: {
        policyConfig: { epsilon: 0 },
        snapshot: "model.json",
        estimators: ["dr", "ips"],
        clip: 100,
        seed: 7,
        ci: "bootstrap",
        bootstrapSamples: 500,
        folds: 2,
        samples: 10,
        maxLineBytes: 1024,
        json: true,
      },
    });
  });

  it("takes --log more than once, in order", () => {
    const command = parseCliArgs(["--log", "a.jsonl", "--policy", "rule", "--log", "b.jsonl"]);
    expect(command.kind === "run" && command.options.log).toEqual(["a.jsonl", "b.jsonl"]);
  });

  it("answers --help and -h", () => {
    expect(parseCliArgs(["--help"])).toEqual({ kind: "help" });
    expect(parseCliArgs(["-h"])).toEqual({ kind: "help" });
  });

  describe("invalid", () => {
    it.each([
      [["--policy", "rule"], "--log", "is required"],
      [["--log", "x.jsonl"], "--policy", "is required"],
      [["--log", "x.jsonl", "--log", "", "--policy", "rule"], "--log", "must name a file, got an empty path"],
      [[...base, "--clip", "0"], "--clip", 'must be a number > 0, got "0"'],
      [[...base, "--clip", "lots"], "--clip", 'must be a number > 0, got "lots"'],
      [[...base, "--seed", "1.5"], "--seed", "must be a whole number from 0 to 4,294,967,295"],
      [[...base, "--estimator", "ips,magic"], "--estimator", 'unknown estimator "magic"'],
      [[...base, "--ci", "exact"], "--ci", 'must be normal or bootstrap, got "exact"'],
      [[...base, "--policy-config", "{epsilon:0}"], "--policy-config", "is not valid JSON"],
      [[...base, "--policy-config", "[1]"], "--policy-config", "must be a JSON object"],
      [[...base, "--folds", "0"], "--folds", "must be a whole number from 1"],
      [[...base, "--max-line-bytes", "0"], "--max-line-bytes", "must be a whole number from 1 to 536,870,888"],
      [[...base, "--verbose"], "--verbose", "is not an option of aurora-ope"],
      [[...base, "--clip"], "--clip", "needs a value"],
      [[...base, "extra"], "(command)", 'unexpected argument "extra"'],
    ])("refuses %j naming %s", (argv, flag, message) => {
      const error = usageError(argv);
      expect(error.flag).toBe(flag);
      expect(error.message).toContain(`${flag}: ${message}`);
    });
  });
});
