import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ENGINE_INDEX, LINE_PROTOCOL, startChildScript } from "../test/child-script.js";
import { holderAlive, ModelLockedError, parseLockHolder, processStart } from "./file-lock.js";
import { RoutingEngine } from "./routing-engine.js";

const quiet = () => {};
const modelIn = () => join(mkdtempSync(join(tmpdir(), "aurora-lock-")), "model.json");
const hasProc = existsSync("/proc/self/stat") && existsSync("/proc/sys/kernel/random/boot_id");
const boot = hasProc ? readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() : "";
const ns = hasProc ? readlinkSync("/proc/self/ns/pid") : "";

/** A live process that is not this one, nor its parent: `sleep`, stopped after the tests. */
const sleepers: ChildProcess[] = [];
function liveProcess(): number {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  sleepers.push(child);
  return child.pid as number;
}
afterAll(async () => {
  for (const child of sleepers) {
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }
});

describe("the model lock", () => {
  it("reads the pid alone (an earlier version's lock) or with its boot and start time", () => {
    expect(parseLockHolder("4242")).toEqual({ pid: 4242 });
    expect(parseLockHolder("4242\nb0a7 1234\n")).toEqual({ pid: 4242, boot: "b0a7", start: "1234" });
    expect(parseLockHolder("")).toBeUndefined();
    expect(parseLockHolder("not a pid")).toBeUndefined();
    expect(parseLockHolder("-3")).toBeUndefined();
  });

  it("names this process's boot and start time in the lock it writes", async () => {
    const modelPath = modelIn();
    const engine = new RoutingEngine({ modelPath, log: quiet });
    const holder = parseLockHolder(readFileSync(`${modelPath}.lock`, "utf8"));
    expect(holder?.pid).toBe(process.pid);
    if (hasProc) expect(holder).toEqual({ pid: process.pid, boot, start: processStart(process.pid), ns });
    await engine.close();
    expect(existsSync(`${modelPath}.lock`)).toBe(false);
  });

  describe.runIf(hasProc)("by boot and start time (Linux)", () => {
    it("refuses a model its live holder names itself in", () => {
      const pid = liveProcess();
      const modelPath = modelIn();
      writeFileSync(`${modelPath}.lock`, `${pid}\n${boot} ${processStart(pid)} ${ns}\n`);
      expect(holderAlive({ pid, boot, start: processStart(pid) as string, ns })).toBe(true);
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(ModelLockedError);
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(`in use by process ${pid}`);
    });

    // Before, any live process with the lock's pid held the model: after a reboot or a container
    // restart, a start could be refused for good by an unrelated process.
    it.each([
      [
        "whose pid another process has been given since (a pid reused)",
        (pid: number) => `${boot} ${Number(processStart(pid)) - 1} ${ns}`,
      ],
      ["written in an earlier boot", (pid: number) => `00000000-0000-0000-0000-000000000000 ${processStart(pid)} ${ns}`],
    ])("takes over a lock %s", async (_, identity) => {
      const pid = liveProcess();
      const modelPath = modelIn();
      writeFileSync(`${modelPath}.lock`, `${pid}\n${identity(pid)}\n`);
      const engine = new RoutingEngine({ modelPath, log: quiet });
      expect(parseLockHolder(readFileSync(`${modelPath}.lock`, "utf8"))?.pid).toBe(process.pid);
      await engine.close();
    });

    it("asks only whether the pid is alive for a lock of another pid namespace (another container on the folder)", () => {
      // Its start time says nothing here: the process with that pid in this namespace is another one.
      const pid = liveProcess();
      const modelPath = modelIn();
      writeFileSync(`${modelPath}.lock`, `${pid}\n${boot} ${Number(processStart(pid)) - 1} pid:[1]\n`);
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(`in use by process ${pid}`);
    });
  });

  it("refuses a live process's lock that names only its pid (an earlier version's)", () => {
    const pid = liveProcess();
    const modelPath = modelIn();
    writeFileSync(`${modelPath}.lock`, String(pid));
    expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(`in use by process ${pid}`);
  });

  it("takes over an empty lock file, as a process killed while it wrote one leaves it, once it is not new", async () => {
    const modelPath = modelIn();
    writeFileSync(`${modelPath}.lock`, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${modelPath}.lock`, old, old);
    const engine = new RoutingEngine({ modelPath, log: quiet });
    expect(parseLockHolder(readFileSync(`${modelPath}.lock`, "utf8"))?.pid).toBe(process.pid);
    await engine.close();
    // Created a moment ago, it is being written: the start waits for its holder (another process) to name itself.
    writeFileSync(`${modelPath}.lock`, "");
    const writer = spawn("sh", ["-c", `sleep 0.3; printf %s ${process.ppid} > "$0"`, `${modelPath}.lock`], { stdio: "ignore" });
    const exited = once(writer, "exit");
    try {
      expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(`in use by process ${process.ppid}`);
    } finally {
      await exited;
    }
  });

  it("clears a takeover left by a process that died taking over, and takes the lock", async () => {
    const modelPath = modelIn();
    writeFileSync(`${modelPath}.lock`, "999999999");
    writeFileSync(`${modelPath}.lock.takeover`, "999999998");
    const engine = new RoutingEngine({ modelPath, log: quiet });
    expect(parseLockHolder(readFileSync(`${modelPath}.lock`, "utf8"))?.pid).toBe(process.pid);
    expect(existsSync(`${modelPath}.lock.takeover`)).toBe(false);
    await engine.close();
  });

  it("removes at start what processes that died at the lock left beside it, and keeps a live one's", async () => {
    const pid = liveProcess();
    const modelPath = modelIn();
    const beside = (name: string) => `${modelPath}.lock.${name}`;
    for (const name of ["999999998.0a1b2c3d", "takeover.999999998.0a1b2c3d", `${pid}.0a1b2c3d`, "takeover", "notes"]) {
      writeFileSync(beside(name), name === "takeover" ? "999999998" : "x");
    }
    const engine = new RoutingEngine({ modelPath, log: quiet });
    const left = readdirSync(dirname(modelPath)).filter((name) => name.startsWith("model.json.lock."));
    expect(left.sort()).toEqual([`model.json.lock.${pid}.0a1b2c3d`, "model.json.lock.notes"]);
    await engine.close();
  });

  it("waits for a live process's takeover, however old its file, and says so when it does not end", () => {
    // The takeover file was judged by its age: a start paused past that age had its takeover
    // removed by another, and both took the lock. Only a takeover whose process is gone is cleared.
    const pid = liveProcess();
    const modelPath = modelIn();
    writeFileSync(`${modelPath}.lock`, "999999999");
    writeFileSync(`${modelPath}.lock.takeover`, String(pid));
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${modelPath}.lock.takeover`, old, old);
    const started = Date.now();
    expect(() => new RoutingEngine({ modelPath, log: quiet })).toThrow(
      /lock was left by a process that is gone, but another start has been taking it over for 8 s \(.*\.lock\.takeover names it\)/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(7_900);
    expect(readFileSync(`${modelPath}.lock.takeover`, "utf8")).toBe(String(pid));
  }, 20_000);

  it("lets one of several processes starting together take over a dead holder's lock, and refuses the rest", async () => {
    // Before, each read the dead pid and wrote its own: two or more engines held the model and
    // interleaved their journals.
    const script = `${LINE_PROTOCOL}
const { RoutingEngine } = await import(process.argv[1]);
const [modelPath, at] = [process.argv[2], Number(process.argv[3])];
say({ ready: true });
await lines.next();
while (Date.now() < at) {} // every process tries at the same moment
let engine;
try {
  engine = new RoutingEngine({ modelPath, log: () => {} });
  say({ held: true });
} catch (error) {
  say({ held: false, code: error.code });
}
await lines.next();
await engine?.close();
process.exit(0);
`;
    for (let round = 0; round < 8; round++) {
      const modelPath = modelIn();
      writeFileSync(`${modelPath}.lock`, "999999999");
      const at = Date.now() + 1_500;
      const children = Array.from({ length: 4 }, () => startChildScript(script, [ENGINE_INDEX, modelPath, String(at)]));
      try {
        for (const child of children) expect(await child.next()).toEqual({ ready: true });
        for (const child of children) child.go();
        const answers = await Promise.all(children.map((child) => child.next()));
        expect(answers.filter((answer) => answer.held === true)).toHaveLength(1);
        for (const answer of answers) if (answer.held === false) expect(answer.code).toBe("MODEL_LOCKED");
        for (const child of children) child.go();
      } finally {
        await Promise.all(children.map((child) => child.stop()));
      }
    }
  }, 60_000);
});
