import { describe, expect, it } from "vitest";
import { MAX_SEED, parseCliArgs, usage } from "./cli-args.js";
import { demoPolicyKinds } from "./demo-policy.js";
import { UsageError } from "./usage-error.js";

const cwd = "/home/newcomer/work";

function run(...argv: string[]) {
  const command = parseCliArgs(argv, cwd);
  if (command.kind !== "run") throw new Error("expected a run");
  return command.options;
}

function usageError(...argv: string[]): UsageError {
  try {
    parseCliArgs(argv, cwd);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a UsageError for ${argv.join(" ")}`);
}

describe("parseCliArgs", () => {
  describe("defaults", () => {
    it("runs the everything scenario at its own length, seed 1, lin-ucb (the recommended policy), into ./aurora-demo, without Ψ", () => {
      expect(run()).toEqual({
        scenario: "everything",
        decisions: undefined,
        seed: 1,
        policy: "lin-ucb",
        outDir: "/home/newcomer/work/aurora-demo",
        psi: false,
      });
    });
  });

  describe("valid flags", () => {
    it("reads every flag with a separate value", () => {
      expect(
        run("--scenario", "outage", "--decisions", "1500", "--seed", "7", "--policy", "q-learning", "--out", "runs/a", "--psi"),
      ).toEqual({
        scenario: "outage",
        decisions: 1500,
        seed: 7,
        policy: "q-learning",
        outDir: "/home/newcomer/work/runs/a",
        psi: true,
      });
    });

    it("reads --flag=value", () => {
      expect(run("--seed=42", "--decisions=10")).toMatchObject({ seed: 42, decisions: 10 });
    });

    it("skips the leading -- that `pnpm demo -- --seed 7` passes on", () => {
      expect(run("--", "--seed", "7").seed).toBe(7);
    });

    it("resolves a scenario file against the working directory, keeping absolute paths", () => {
      expect(run("--scenario", "my-market.json").scenario).toBe("/home/newcomer/work/my-market.json");
      expect(run("--scenario", "./markets/a").scenario).toBe("/home/newcomer/work/markets/a");
      expect(run("--scenario", "/srv/m.json").scenario).toBe("/srv/m.json");
    });

    it("keeps an absolute --out as given", () => {
      expect(run("--out", "/tmp/demo").outDir).toBe("/tmp/demo");
    });

    it("accepts the seed bounds 0 and 2^32 − 1", () => {
      expect(run("--seed", "0").seed).toBe(0);
      expect(run("--seed", String(MAX_SEED)).seed).toBe(4294967295);
    });

    it("returns help for --help and -h, whatever else is given", () => {
      expect(parseCliArgs(["--help"], cwd)).toEqual({ kind: "help" });
      expect(parseCliArgs(["--seed", "3", "-h"], cwd)).toEqual({ kind: "help" });
    });
  });

  describe("invalid flags", () => {
    it("names an unknown flag and lists the known ones", () => {
      const error = usageError("--sed", "7");
      expect(error.flag).toBe("--sed");
      expect(error.message).toBe(
        "--sed: unknown flag: the flags are --scenario, --decisions, --seed, --policy, --out, --psi, --help",
      );
    });

    it("names a flag whose value is missing", () => {
      expect(usageError("--seed").message).toBe("--seed: needs a value: --seed N");
      expect(usageError("--out", "--psi").message).toBe("--out: needs a value: --out DIR");
      expect(usageError("--scenario=").message).toBe("--scenario: needs a value: --scenario NAME|FILE");
    });

    it("refuses a seed that is not a whole number from 0 to 2^32 − 1", () => {
      for (const bad of ["x", "-1", "1.5", "1e3", "4294967296", " 7"]) {
        const error = usageError("--seed", bad);
        expect(error.flag).toBe("--seed");
        expect(error.message).toBe(`--seed: must be a whole number from 0 to 4294967295, got "${bad}"`);
      }
    });

    it("refuses zero decisions and more than the simulator's 10,000,000", () => {
      expect(usageError("--decisions", "0").message).toBe('--decisions: must be a whole number from 1 to 10000000, got "0"');
      expect(usageError("--decisions", "10000001").flag).toBe("--decisions");
    });

    it("refuses an unknown policy, listing the kinds the demo can run", () => {
      const error = usageError("--policy", "thompson-magic");
      expect(error.flag).toBe("--policy");
      expect(error.message).toBe(`--policy: unknown policy "thompson-magic": use one of ${demoPolicyKinds().join(", ")}`);
    });

    it("treats __proto__ as an unknown policy", () => {
      expect(usageError("--policy", "__proto__").message).toMatch(/^--policy: unknown policy "__proto__": use one of q-learning/);
    });

    it("refuses an unknown scenario name, listing the built-in ones", () => {
      expect(usageError("--scenario", "evrything").message).toBe(
        '--scenario: unknown scenario "evrything": use one of calm, price-spike, outage, latency-spike, newcomer, everything, many-states, or a path to a scenario .json file',
      );
    });

    it("refuses a flag given twice", () => {
      expect(usageError("--seed", "1", "--seed=2").message).toBe("--seed: given more than once: give each flag at most once");
    });

    it("refuses a value for --psi", () => {
      expect(usageError("--psi=yes").message).toBe('--psi: takes no value, got "yes"');
    });

    it("refuses a stray argument without a flag", () => {
      const error = usageError("outage");
      expect(error.flag).toBeNull();
      expect(error.message).toBe('unexpected argument "outage": every value follows its flag, e.g. --scenario outage');
    });
  });
});

describe("usage", () => {
  it("lists every flag, the built-in scenarios and the policy kinds", () => {
    const text = usage();
    for (const flag of ["--scenario", "--decisions", "--seed", "--policy", "--out", "--psi", "--help"])
      expect(text).toContain(flag);
    expect(text).toContain("calm, price-spike, outage, latency-spike, newcomer, everything, many-states");
    expect(text).toContain(`the engine's learning policy: ${demoPolicyKinds().join(", ")}`);
    expect(text).toContain("(default: ./aurora-demo)");
  });
});
