import { execFile, execFileSync } from "node:child_process";
import { once } from "node:events";
import {
  closeSync,
  constants,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ManualClock, ValidationError } from "@aurora/domain";
import { type DecisionLogLine, parseDecisionLog, runCli } from "@aurora/evaluation";
import { describe, expect, it } from "vitest";
import { ENGINE_INDEX, LINE_PROTOCOL, startChildScript } from "../test/child-script.js";
import { context, market, provider } from "../test/market.js";
import { DecisionLogWriteError, DecisionLogWriter } from "./decision-log-writer.js";
import { MemoryStore } from "./memory-store.js";
import { type EngineEvent, RoutingEngine } from "./routing-engine.js";

const tempPath = () => join(mkdtempSync(join(tmpdir(), "aurora-decision-log-")), "decisions.jsonl");
const success = (decision_id: string, cost = 5) => ({
  decision_id,
  success: true,
  actual_cost_usd: cost,
  actual_latency_ms: 100,
});
const readLines = (path: string): DecisionLogLine[] => [...parseDecisionLog(readFileSync(path, "utf8"), path)];

/** Writes three decisions with their outcomes to a new log at `path`; returns its text. */
async function logOfThree(path: string): Promise<string> {
  const writer = new DecisionLogWriter({ path, flushIntervalMs: 0 });
  const engine = new RoutingEngine({ seed: 1, onEvent: writer.onEvent });
  for (let i = 0; i < 3; i++)
    await engine.feedback(success(engine.decide({ context, providers: market(2) }).metadata.decision_id));
  await writer.close();
  return readFileSync(path, "utf8");
}

describe("DecisionLogWriter", () => {
  it("writes one line per decision once its outcome is known, in the evaluation package's schema", async () => {
    const path = tempPath();
    const writer = new DecisionLogWriter({ path });
    const engine = new RoutingEngine({ seed: 1, onEvent: writer.onEvent, policy: { kind: "q-learning", epsilon: 0.5 } });
    const providers = [...market(3), provider("too-dear", { price_usd_per_hour: 50 })];
    const { provider_id, metadata } = engine.decide({
      context,
      providers,
      constraints: { max_price: 10 },
      psi_metrics: { density: 0.2 },
    });
    await writer.flush();
    expect(readFileSync(path, "utf8")).toBe("");
    expect(writer.stats()).toMatchObject({ pending: 1, written: 0 });

    const reward = await engine.feedback(success(metadata.decision_id));
    await writer.close();
    const [line, ...rest] = readLines(path);
    expect(rest).toEqual([]);
    expect(line).toEqual({
      decision_id: metadata.decision_id,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      state_key: "llm_inference:a100:us-west",
      context,
      // The compliant candidates the policy chose from: "too-dear" was filtered out first.
      candidates: expect.arrayContaining([expect.objectContaining({ provider_id: "p0" })]),
      chosen: provider_id,
      propensity: metadata.probability,
      policy: "q-learning",
      mode: metadata.mode,
      psi_density: 0.2,
      reward,
      resolution: "feedback",
      outcome: { success: true, actual_cost_usd: 5, actual_latency_ms: 100 },
    });
    expect(line!.candidates.map((c) => c.provider_id)).toEqual(["p0", "p1", "p2"]);
    expect(writer.stats()).toMatchObject({ pending: 0, written: 1, dropped: 0 });
    await engine.close();
  });

  it("logs settled decisions with the default reward, or a null reward when they are dropped", async () => {
    const path = tempPath();
    const writer = new DecisionLogWriter({ path });
    const clock = new ManualClock(0);
    const engine = new RoutingEngine({ seed: 1, clock, rewardWaitMs: 1_000, defaultReward: -5, onEvent: writer.onEvent });
    const first = engine.decide({ context, providers: market(2) });
    clock.advance(1_000);
    engine.decide({ context, providers: market(2) });
    await writer.close();
    const [line] = readLines(path);
    expect(line).toMatchObject({ decision_id: first.metadata.decision_id, resolution: "expired", reward: -5, outcome: null });
    expect(writer.stats()).toMatchObject({ written: 1, pending: 0 });

    const dropped = tempPath();
    const dropWriter = new DecisionLogWriter({ path: dropped });
    const dropping = new RoutingEngine({ seed: 1, maxPending: 1, onEvent: dropWriter.onEvent });
    dropping.decide({ context, providers: market(2) });
    dropping.decide({ context, providers: market(2) });
    await dropWriter.close();
    expect(readLines(dropped)[0]).toMatchObject({ resolution: "evicted", reward: null, outcome: null });
  });

  it("writes a full batch on the next turn of the event loop", async () => {
    const path = tempPath();
    const writer = new DecisionLogWriter({ path, batchSize: 2, flushIntervalMs: 0 });
    const engine = new RoutingEngine({ seed: 1, onEvent: writer.onEvent });
    for (let i = 0; i < 2; i++)
      await engine.feedback(success(engine.decide({ context, providers: market(2) }).metadata.decision_id));
    expect(writer.stats()).toMatchObject({ queued: 2, written: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    await writer.flush();
    expect(readLines(path)).toHaveLength(2);
    await writer.close();
  });

  it("keeps memory bounded: forgets the oldest pending decision and drops lines over the queue limit", async () => {
    const writer = new DecisionLogWriter({ path: tempPath(), maxPending: 2, maxQueued: 1, flushIntervalMs: 0 });
    const engine = new RoutingEngine({ seed: 1, onEvent: writer.onEvent });
    const ids = [0, 1, 2].map(() => engine.decide({ context, providers: market(2) }).metadata.decision_id);
    expect(writer.stats()).toMatchObject({ pending: 2, forgotten: 1 });
    for (const id of ids) await engine.feedback(success(id));
    // ids[0] was forgotten (unmatched), ids[1] queued, ids[2] over maxQueued (dropped).
    expect(writer.stats()).toMatchObject({ pending: 0, queued: 1, dropped: 1, unmatched: 1 });
    await writer.close();
    expect(writer.stats().written).toBe(1);
  });

  it("logs each decision once across replicas: feedback where it was taken, a settlement where it was made", async () => {
    // Two replicas' writers: `here` hears its engine's events, `there` hears them as another replica's (onRemoteEvent).
    const herePath = tempPath();
    const therePath = tempPath();
    const here = new DecisionLogWriter({ path: herePath, flushIntervalMs: 0 });
    const there = new DecisionLogWriter({ path: therePath, flushIntervalMs: 0 });
    const clock = new ManualClock(0);
    const events: EngineEvent[] = [];
    const engine = new RoutingEngine({ seed: 1, clock, rewardWaitMs: 1_000, onEvent: (event) => events.push(event) });
    const decide = () => engine.decide({ context, providers: market(3) }).metadata.decision_id;
    const [fedThere, fedHere, settled] = [decide(), decide(), decide()];
    for (const event of events) {
      here.onEvent(event);
      there.onRemoteEvent(event);
    }
    expect(here.stats().pending).toBe(3);
    expect(there.stats().pending).toBe(3);
    expect(there.candidatesOf(fedThere)?.map((c) => c.provider_id)).toEqual(["p0", "p1", "p2"]);
    events.length = 0;

    // Feedback taken "there" (as the other replica would take it, and stream it here).
    await engine.feedback(success(fedThere));
    const [outcomeThere] = events.splice(0);
    there.onEvent(outcomeThere!);
    here.onRemoteEvent(outcomeThere!);
    // Feedback taken here.
    await engine.feedback(success(fedHere));
    const [outcomeHere] = events.splice(0);
    here.onEvent(outcomeHere!);
    there.onRemoteEvent(outcomeHere!);
    // Settled by each replica on its own copy; another replica's settlement streamed in changes nothing.
    clock.advance(1_000);
    decide();
    const settlement = events.find((event) => event.type === "settled");
    expect(settlement).toMatchObject({ decision_id: settled });
    here.onEvent(settlement!);
    there.onRemoteEvent(settlement!);
    there.onEvent(settlement!);
    await Promise.all([here.close(), there.close()]);

    expect(readLines(herePath).map((line) => [line.decision_id, line.resolution])).toEqual([
      [fedHere, "feedback"],
      [settled, "expired"],
    ]);
    const [line] = readLines(therePath);
    expect(line).toMatchObject({ decision_id: fedThere, resolution: "feedback", chosen: expect.any(String) });
    expect(line!.candidates.map((c) => c.provider_id)).toEqual(["p0", "p1", "p2"]);
    expect(readLines(therePath)).toHaveLength(1);
    expect(here.stats()).toMatchObject({ written: 2, pending: 0, elsewhere: 1, unmatched: 0 });
    expect(there.stats()).toMatchObject({ written: 1, pending: 0, elsewhere: 2, unmatched: 0 });
    await engine.close();
  });

  it("logs what a pick that failed first earned (chosen_reward: the failure reward) beside the fallback's reward", async () => {
    const path = tempPath();
    const engine = new RoutingEngine({ seed: 1, decisionLogPath: path });
    const outcome = { success: true, actual_cost_usd: 2, actual_latency_ms: 90 };
    const first = engine.decide({ context, providers: market(3) });
    const second = engine.decide({ context, providers: market(3) });
    const fallback = (d: typeof first) => d.metadata.alternatives[0]?.provider_id as string;
    const failedOver = await engine.feedback({
      ...outcome,
      decision_id: first.metadata.decision_id,
      provider_id: fallback(first),
      failed_before: [first.provider_id as string],
    });
    // A fallback after another alternative failed: the pick itself did not fail first.
    await engine.feedback({ ...outcome, decision_id: second.metadata.decision_id, provider_id: fallback(second) });
    await engine.close();
    const [a, b] = readLines(path);
    expect(a).toMatchObject({ chosen: first.provider_id, reward: failedOver, chosen_reward: -20 });
    expect(a?.outcome?.failed_before).toEqual([first.provider_id]);
    expect(b).not.toHaveProperty("chosen_reward");
  });

  it("logs a settlement where the store's claim says: mine here, theirs elsewhere, unknown in no log", async () => {
    const path = tempPath();
    const writer = new DecisionLogWriter({ path, flushIntervalMs: 0 });
    const clock = new ManualClock(0);
    const events: EngineEvent[] = [];
    const engine = new RoutingEngine({ seed: 1, clock, rewardWaitMs: 1_000, onEvent: (event) => events.push(event) });
    const ids = [0, 1, 2, 3].map(() => engine.decide({ context, providers: market(2) }).metadata.decision_id);
    // Its own, one handed back at a restart (maker unknown), and two made by a replica still running.
    writer.onEvent(events[0]!);
    writer.onRemoteEvent(events[1]!, { resumed: true });
    writer.onRemoteEvent(events[2]!);
    writer.onRemoteEvent(events[3]!);
    events.length = 0;
    clock.advance(1_000);
    engine.decide({ context, providers: market(2) });
    const settled = (id: string) => events.find((event) => event.type === "settled" && event.decision_id === id)!;
    writer.onEvent(settled(ids[0]!), { claim: "theirs" });
    writer.onEvent(settled(ids[1]!), { claim: "mine" });
    writer.onEvent(settled(ids[2]!), { claim: "mine" });
    writer.onEvent(settled(ids[3]!), { claim: "unknown" });
    await writer.close();
    expect(readLines(path).map((line) => [line.decision_id, line.resolution])).toEqual([
      [ids[1], "expired"],
      [ids[2], "expired"],
    ]);
    expect(writer.stats()).toMatchObject({ written: 2, elsewhere: 1, unclaimed: 1 });
    await engine.close();
  });

  it("does not count another replica's decision as unconfirmed, nor keep it past maxPending", () => {
    const writer = new DecisionLogWriter({ path: tempPath(), maxPending: 1, flushIntervalMs: 0 });
    const events: EngineEvent[] = [];
    const engine = new RoutingEngine({ seed: 1, onEvent: (event) => events.push(event) });
    for (let i = 0; i < 3; i++) engine.decide({ context, providers: market(2) });
    const [first, second, third] = events as Extract<EngineEvent, { type: "decision" }>[];
    writer.onRemoteEvent(first!);
    writer.onRemoteEvent(second!);
    expect(writer.stats()).toMatchObject({ pending: 1, forgotten: 1 });
    expect(writer.candidatesOf(first!.record.decision_id)).toBeUndefined();
    // Its settlement's write failed: it was not this replica's to log, so no line is missing here.
    writer.hold(second!.record.decision_id);
    writer.release(second!.record.decision_id, true);
    writer.onEvent(third!);
    writer.hold(third!.record.decision_id);
    writer.release(third!.record.decision_id);
    expect(writer.stats()).toMatchObject({ pending: 0, unconfirmed: 1 });
    void writer.close();
  });

  it("reports a failed write with DecisionLogWriteError and counts the lines lost", async () => {
    const writer = new DecisionLogWriter({ path: "/dev/full" });
    const engine = new RoutingEngine({ seed: 1, onEvent: writer.onEvent });
    await engine.feedback(success(engine.decide({ context, providers: market(2) }).metadata.decision_id));
    await expect(writer.flush()).rejects.toThrow(DecisionLogWriteError);
    expect(writer.stats()).toMatchObject({ written: 0, dropped: 1 });
    await expect(writer.close()).rejects.toThrow("could not write the decision log /dev/full");
  });

  it("cuts a torn last line (a crash mid-write) when it opens, so the lines it appends parse", async () => {
    const path = tempPath();
    const whole = await logOfThree(path);
    const torn = whole.split("\n")[0]!.slice(0, 57);
    writeFileSync(path, whole + torn);

    const second = new DecisionLogWriter({ path, flushIntervalMs: 0 });
    expect(second.stats().torn_bytes_dropped).toBe(57);
    const again = new RoutingEngine({ seed: 2, onEvent: second.onEvent });
    for (let i = 0; i < 2; i++)
      await again.feedback(success(again.decide({ context, providers: market(2) }).metadata.decision_id));
    await second.close();
    expect(readLines(path)).toHaveLength(5);
    expect(readFileSync(path, "utf8").startsWith(whole)).toBe(true);
  });

  it("keeps a whole last line that lacks its newline, and gives it one", async () => {
    const path = tempPath();
    const whole = await logOfThree(path);
    writeFileSync(path, whole.slice(0, -1)); // written by another tool: no newline after the last line

    const second = new DecisionLogWriter({ path, flushIntervalMs: 0 });
    expect(second.stats().torn_bytes_dropped).toBe(0);
    const again = new RoutingEngine({ seed: 2, onEvent: second.onEvent });
    await again.feedback(success(again.decide({ context, providers: market(2) }).metadata.decision_id));
    await second.close();
    expect(readLines(path)).toHaveLength(4);
    expect(readFileSync(path, "utf8").startsWith(whole)).toBe(true);
  });

  it("refuses a file that is not a decision log, and leaves it as it was", () => {
    const path = tempPath();
    const model = JSON.stringify({ format: "aurora-model", q_table: {} });
    writeFileSync(path, model);
    expect(() => new DecisionLogWriter({ path })).toThrow(
      expect.objectContaining({
        name: "ValidationError",
        field: "path",
        message: expect.stringMatching(/is not a decision log/),
      }),
    );
    expect(readFileSync(path, "utf8")).toBe(model);
  });

  describe("rotation", () => {
    async function rotated(rotate: (path: string) => void) {
      const path = tempPath();
      const writer = new DecisionLogWriter({ path, flushIntervalMs: 0 });
      const engine = new RoutingEngine({ seed: 1, onEvent: writer.onEvent });
      const pair = async () => engine.feedback(success(engine.decide({ context, providers: market(2) }).metadata.decision_id));
      for (let i = 0; i < 3; i++) await pair();
      await writer.flush();
      rotate(path);
      for (let i = 0; i < 2; i++) await pair();
      const closeError: unknown = await writer.close().then(
        () => undefined,
        (error: unknown) => error,
      );
      return { path, writer, closeError };
    }

    it("follows a log renamed away, as logrotate does: the next lines start a new file at the path", async () => {
      const { path, writer, closeError } = await rotated((p) => renameSync(p, `${p}.1`));
      expect(closeError).toBeUndefined();
      expect(readLines(`${path}.1`)).toHaveLength(3);
      expect(readLines(path)).toHaveLength(2);
      expect(writer.stats()).toMatchObject({ written: 5, reopened: 1, dropped: 0 });
    });

    it("follows a log removed, and goes on in place after a copytruncate", async () => {
      const removed = await rotated((p) => rmSync(p));
      expect(readLines(removed.path)).toHaveLength(2);
      const truncated = await rotated((p) => truncateSync(p, 0));
      expect(readLines(truncated.path)).toHaveLength(2);
      expect(truncated.writer.stats().reopened).toBe(0);
    });

    it("writes nothing into a file that is not a decision log put at the path, and says so", async () => {
      const { path, writer, closeError } = await rotated((p) => {
        renameSync(p, `${p}.1`);
        writeFileSync(p, "not a log\n");
      });
      expect(readFileSync(path, "utf8")).toBe("not a log\n");
      expect(readLines(`${path}.1`)).toHaveLength(3);
      expect(writer.stats()).toMatchObject({ written: 3, dropped: 2, reopened: 0 });
      expect(closeError).toBeInstanceOf(DecisionLogWriteError);
      expect((closeError as Error).message).toMatch(/is not a decision log/);
    });
  });

  it("names a bad option", () => {
    expect(() => new DecisionLogWriter({ path: "" })).toThrow(ValidationError);
    expect(() => new DecisionLogWriter({ path: tempPath(), batchSize: 0 })).toThrow(
      "batchSize: must be a whole number ≥ 1, got 0",
    );
    expect(() => new DecisionLogWriter({ path: "/nonexistent/dir/decisions.jsonl" })).toThrow(DecisionLogWriteError);
  });
});

describe("RoutingEngine with decisionLogPath", () => {
  it("logs thompson's importance weight estimate beside its Monte Carlo propensity", async () => {
    const path = tempPath();
    const engine = new RoutingEngine({ seed: 2, decisionLogPath: path, policy: { kind: "thompson" } });
    for (let i = 0; i < 20; i++) {
      const { metadata } = engine.decide({ context, providers: market(3) });
      expect(Number.isInteger(metadata.inverse_probability) && (metadata.inverse_probability as number) >= 1).toBe(true);
      await engine.feedback(success(metadata.decision_id));
    }
    await engine.close();
    const lines = readLines(path);
    expect(lines).toHaveLength(20);
    for (const line of lines) expect(Number.isInteger(line.inverse_propensity) && line.inverse_propensity! >= 1).toBe(true);
  });

  it("marks a propensity that is only a lower bound, and aurora-ope says so", async () => {
    const path = tempPath();
    // The rule arm can state its probabilities; thompson cannot: where rule chose, thompson's
    // chance of the same pick is unknown and counted as 0.
    const engine = new RoutingEngine({
      seed: 3,
      decisionLogPath: path,
      policy: {
        kind: "ab",
        arms: [
          { name: "r", share: 0.5, policy: { kind: "rule" } },
          { name: "t", share: 0.5, policy: { kind: "thompson" } },
        ],
      },
    });
    for (let i = 0; i < 40; i++) {
      const { metadata } = engine.decide({ context, providers: market(3) });
      expect(metadata.probability_exact === false).toBe(metadata.arm?.startsWith("r") === true);
      await engine.feedback(success(metadata.decision_id));
    }
    await engine.close();
    const lines = readLines(path);
    const inexact = lines.filter((l) => l.propensity_exact === false);
    expect(inexact.length).toBeGreaterThan(5);
    expect(inexact.every((l) => l.arm?.startsWith("r"))).toBe(true);
    expect(lines.filter((l) => l.arm?.startsWith("t")).every((l) => l.propensity_exact === undefined)).toBe(true);
    let out = "";
    await runCli(["--log", path, "--policy", "rule"], { stdout: (t) => (out += t), stderr: (t) => (out += t) });
    expect(out).toContain(`${inexact.length} decision(s) logged a propensity that is only a lower bound`);
  });

  it("logs every decision evicted over maxPending, with the reward it was settled with", async () => {
    // Its writer held exactly maxPending decisions: the one that evicted the oldest reached it
    // first, so the eviction's settlement found nothing, and no evicted decision was ever logged.
    const path = tempPath();
    const engine = new RoutingEngine({ seed: 1, decisionLogPath: path, maxPending: 5, defaultReward: -1 });
    for (let i = 0; i < 50; i++) engine.decide({ context, providers: market(2) });
    expect(engine.decisionLog?.stats()).toMatchObject({ forgotten: 0, unmatched: 0 });
    await engine.close();
    const lines = readLines(path);
    expect(lines).toHaveLength(45);
    expect(lines.every((line) => line.resolution === "evicted" && line.reward === -1)).toBe(true);
  });

  it("closes without an error after a failed write, says how many lines were lost, and shows it in its status", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-"));
    const path = join(dir, "decisions.jsonl");
    const logs: string[] = [];
    const engine = new RoutingEngine({ seed: 1, decisionLogPath: path, log: (message) => logs.push(message) });
    const ids = [0, 1].map(() => engine.decide({ context, providers: market(2) }).metadata.decision_id);
    await engine.feedback(success(ids[0]!));
    await engine.decisionLog?.flush();
    rmSync(path);
    mkdirSync(path); // the next write fails: a folder is at the path
    await engine.feedback(success(ids[1]!));
    await expect(engine.decisionLog?.flush()).rejects.toThrow(DecisionLogWriteError);
    expect(engine.getStatus().decision_log).toMatchObject({
      path,
      written: 1,
      dropped: 1,
      last_error: expect.stringContaining("EISDIR"),
    });
    await engine.close();
    expect(logs).toEqual([
      expect.stringMatching(/^the decision log lost 1 line\(s\) since start; the last failed write: could not write/),
    ]);
    expect(new RoutingEngine({ seed: 1 }).getStatus().decision_log).toBeNull();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses the model file as its decision log, naming decisionLogPath, and leaves the file as it was", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-"));
    const modelPath = join(dir, "model.json");
    const saved = new RoutingEngine({ seed: 1, modelPath });
    await saved.feedback(success(saved.decide({ context, providers: market(2) }).metadata.decision_id));
    await saved.close();
    const model = readFileSync(modelPath, "utf8");
    for (const options of [{ modelPath, decisionLogPath: modelPath }, { decisionLogPath: modelPath }]) {
      expect(() => new RoutingEngine({ seed: 2, ...options })).toThrow(
        expect.objectContaining({ name: "ValidationError", field: "decisionLogPath" }),
      );
    }
    expect(readFileSync(modelPath, "utf8")).toBe(model);
  });

  it("appends the decision log and flushes it on close, ready for aurora-ope", async () => {
    const path = tempPath();
    // ε = 1: a uniformly random logging policy, propensity 1/3 for every choice.
    const engine = new RoutingEngine({
      seed: 4,
      decisionLogPath: path,
      policy: { kind: "q-learning", epsilon: 1, epsilonDecay: 1 },
    });
    for (let i = 0; i < 30; i++) {
      const { provider_id, metadata } = engine.decide({ context, providers: market(3) });
      await engine.feedback(success(metadata.decision_id, provider_id === "p0" ? 2 : 6));
    }
    // Without a store nothing is durable: lines wait for the writer's interval (or close).
    expect(engine.decisionLog?.stats()).toMatchObject({ written: 0, queued: 30 });
    await engine.close();
    const lines = readLines(path);
    expect(lines).toHaveLength(30);
    expect(new Set(lines.map((l) => l.propensity))).toEqual(new Set([1 / 3]));

    let out = "";
    const status = await runCli(["--log", path, "--policy", "always:p0", "--json"], {
      stdout: (t) => (out += t),
      stderr: (t) => (out += t),
    });
    expect(status).toBe(0);
    // Every p0 job cost 2 and every other 6: the always-p0 policy is worth 4 more per decision, which SNIPS recovers exactly.
    const { estimates, logged } = JSON.parse(out);
    const p0Reward = lines.find((l) => l.chosen === "p0")!.reward!;
    expect(estimates.snips.estimate).toBeCloseTo(p0Reward, 10);
    expect(logged.estimate).toBeLessThan(p0Reward);
  });
});

/**
 * Runs `script` in a child process with a new model path and decision log path as its arguments,
 * and kills it (SIGKILL: no close, no final snapshot) once it has said its first reply.
 */
async function killedAfterReply<Reply>(script: string) {
  const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-"));
  const modelPath = join(dir, "model.json");
  const path = join(dir, "decisions.jsonl");
  const child = startChildScript(script, [modelPath, path]);
  try {
    return { dir, modelPath, path, reply: (await child.next()) as Reply };
  } finally {
    await child.stop();
  }
}

/** Waits out a 50 ms reward wait, settles what expired, and closes. */
async function expireAndClose(engine: RoutingEngine): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  engine.getStatus();
  await engine.close();
}

describe("RoutingEngine with decisionLogPath, across a restart", () => {
  /** `decide` on `providers`, keeping what the decision's line must say. */
  function decideKept(engine: RoutingEngine, providers: ReturnType<typeof market>, constraints?: { max_price: number }) {
    const { provider_id, metadata } = engine.decide({ context, providers, ...(constraints ? { constraints } : {}) });
    const allowed = providers.filter((p) => constraints === undefined || p.price_usd_per_hour <= constraints.max_price);
    return {
      id: metadata.decision_id,
      chosen: provider_id,
      propensity: metadata.probability,
      candidates: allowed.map((p) => p.provider_id),
    };
  }

  it("logs the decisions still pending at a close when their outcomes come to the next engine", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-"));
    const modelPath = join(dir, "model.json");
    const path = join(dir, "decisions.jsonl");
    const options = { modelPath, decisionLogPath: path, policy: { kind: "softmax" as const }, log: () => {} };
    const first = new RoutingEngine({ seed: 5, ...options });
    const finished = decideKept(first, market(3));
    await first.feedback(success(finished.id));
    // Two candidate lists: the second decision's is the first's list again (written once), the third's another.
    const kept = [decideKept(first, market(3)), decideKept(first, market(3)), decideKept(first, market(4), { max_price: 2 })];
    await first.close();
    const model = JSON.parse(readFileSync(modelPath, "utf8"));
    expect(model.pending_candidates.lists).toHaveLength(2);
    expect(model.pending_candidates.providers).toHaveLength(3 + 3);

    const second = new RoutingEngine({ seed: 6, ...options });
    expect(second.decisionLog?.stats()).toMatchObject({ pending: 3 });
    for (const decision of kept) await second.feedback(success(decision.id, 3));
    await second.close();
    const lines = readLines(path);
    expect(lines.map((l) => l.decision_id)).toEqual([finished.id, ...kept.map((k) => k.id)]);
    for (const [i, decision] of kept.entries()) {
      const line = lines[i + 1]!;
      expect(line.candidates.map((c) => c.provider_id)).toEqual(decision.candidates);
      expect(line).toMatchObject({
        chosen: decision.chosen,
        propensity: decision.propensity,
        policy: "softmax",
        resolution: "feedback",
      });
      expect(line.outcome).toMatchObject({ success: true, actual_cost_usd: 3 });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("logs the decisions pending at a real kill -9, from the snapshot and the journal, once each", async () => {
    const script = `${LINE_PROTOCOL}
const { RoutingEngine } = await import(${JSON.stringify(ENGINE_INDEX)});
const engine = new RoutingEngine({ modelPath: process.argv[1], decisionLogPath: process.argv[2], seed: 7, log: () => {} });
const context = ${JSON.stringify(context)};
const providers = ${JSON.stringify(market(3))};
const decide = () => engine.decide({ context, providers }).metadata.decision_id;
const outcome = (decision_id) => ({ decision_id, success: true, actual_cost_usd: 1, actual_latency_ms: 90 });
const beforeSnapshot = [decide(), decide()];
await engine.save();
const afterSnapshot = [decide(), decide(), decide()];
// Acknowledged: in the journal, with the decisions before it, and its line in the log.
const done = decide();
await engine.feedback(outcome(done));
await engine.decisionLog.flush();
say({ pending: [...beforeSnapshot, ...afterSnapshot], done });
await lines.next();
`;
    const { dir, modelPath, path, reply } = await killedAfterReply<{ pending: string[]; done: string }>(script);
    expect(readLines(path).map((l) => l.decision_id)).toEqual([reply.done]);
    const engine = new RoutingEngine({ modelPath, decisionLogPath: path, seed: 8, log: () => {} });
    expect(engine.decisionLog?.stats()).toMatchObject({ pending: 5 });
    for (const id of reply.pending) await engine.feedback(success(id));
    await engine.close();
    const lines = readLines(path);
    expect(lines.map((l) => l.decision_id)).toEqual([reply.done, ...reply.pending]);
    for (const line of lines) expect(line.candidates.map((c) => c.provider_id)).toEqual(["p0", "p1", "p2"]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("has written the line of every feedback acknowledged before a kill -9", async () => {
    const script = `${LINE_PROTOCOL}
const { RoutingEngine } = await import(${JSON.stringify(ENGINE_INDEX)});
const engine = new RoutingEngine({ modelPath: process.argv[1], decisionLogPath: process.argv[2], seed: 3, log: () => {} });
const acked = [];
for (let i = 0; i < 20; i++) {
  const id = engine.decide({ context: ${JSON.stringify(context)}, providers: ${JSON.stringify(market(3))} }).metadata.decision_id;
  await engine.feedback({ decision_id: id, success: true, actual_cost_usd: 1, actual_latency_ms: 90 });
  acked.push(id);
}
// Well within the writer's one-second interval, which would otherwise write these lines.
await new Promise((resolve) => setTimeout(resolve, 50));
say({ acked });
await lines.next();
`;
    const { dir, path, reply } = await killedAfterReply<{ acked: string[] }>(script);
    expect(readLines(path).map((l) => l.decision_id)).toEqual(reply.acked);
    rmSync(dir, { recursive: true, force: true });
  });

  it("has written a feedback's line when the process is killed the moment it has the answer", async () => {
    // The line used to be written on the next turn of the event loop after the answer: a kill -9
    // in the same turn (11 of 31,000 feedbacks in a crash hunt) lost it.
    const script = `
const { RoutingEngine } = await import(process.argv[1]);
const [modelPath, logPath] = process.argv.slice(2);
const engine = new RoutingEngine({ modelPath, decisionLogPath: logPath, seed: 3, log: () => {} });
const id = engine.decide({ context: ${JSON.stringify(context)}, providers: ${JSON.stringify(market(3))} }).metadata.decision_id;
await engine.feedback({ decision_id: id, success: true, actual_cost_usd: 1, actual_latency_ms: 90 });
console.log(JSON.stringify({ id }));
process.kill(process.pid, "SIGKILL");
`;
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-kill-"));
    const path = join(dir, "decisions.jsonl");
    const args = ["--input-type=module", "-e", script, ENGINE_INDEX, join(dir, "model.json"), path];
    const { stdout } = await promisify(execFile)(process.execPath, args).catch((error: { stdout: string; signal: string }) => {
      expect(error.signal).toBe("SIGKILL");
      return error;
    });
    const { id } = JSON.parse(stdout) as { id: string };
    expect(readLines(path).map((l) => l.decision_id)).toEqual([id]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers feedback within a second when the log's writes hang, and writes the lines once they go on", async () => {
    // A named pipe nobody reads: once its buffer is full, every write waits, as on a stalled mount.
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-hang-"));
    const path = join(dir, "decisions.fifo");
    execFileSync("mkfifo", [path]);
    const engine = new RoutingEngine({ seed: 1, store: new MemoryStore(), decisionLogPath: path, log: () => {} });
    const feedback = () => engine.feedback(success(engine.decide({ context, providers: market(3) }).metadata.decision_id));
    await feedback();
    // Fill the pipe's buffer with blank lines, without blocking here.
    const filler = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      for (;;) writeSync(filler, "\n".repeat(4096));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("EAGAIN");
    }
    const started = Date.now();
    await feedback();
    await feedback();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(10_000);
    // Each wait on the hung write gets its own bound, also after another's ran out.
    for (const ms of [300, 300, 50]) {
      const from = Date.now();
      await engine.decisionLog?.written(ms);
      expect(Date.now() - from).toBeGreaterThanOrEqual(ms - 10);
    }
    expect(() => engine.decisionLog?.written(-1)).toThrow(/^maxWaitMs: must be a whole number of milliseconds/);
    expect(() => engine.decisionLog?.written(Number.POSITIVE_INFINITY)).toThrow(/^maxWaitMs:/);
    // A reader drains the pipe: the writes go on, and every line arrives.
    const reader = createReadStream(path, { encoding: "utf8" });
    let text = "";
    reader.on("data", (chunk) => (text += chunk));
    await engine.close();
    closeSync(filler);
    await once(reader, "end");
    expect(text.split("\n").filter((line) => line !== "")).toHaveLength(3);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("logs a settlement written by neither the journal nor the log before a kill -9 once, after the restart", async () => {
    // The journal writes every 5 s: the settlement is still queued when the process dies.
    const script = `${LINE_PROTOCOL}
const { RoutingEngine } = await import(${JSON.stringify(ENGINE_INDEX)});
const engine = new RoutingEngine({ modelPath: process.argv[1], decisionLogPath: process.argv[2], seed: 1,
  rewardWaitMs: 50, fsync: { intervalMs: 5000 }, log: () => {} });
const id = engine.decide({ context: ${JSON.stringify(context)}, providers: ${JSON.stringify(market(2))} }).metadata.decision_id;
await engine.save();
await new Promise((resolve) => setTimeout(resolve, 100));
engine.getStatus(); // settles it: its wait has run out
await engine.decisionLog.flush();
say({ id, stats: engine.decisionLog.stats() });
await lines.next();
`;
    const { dir, modelPath, path, reply } = await killedAfterReply<{ id: string; stats: object }>(script);
    // Held for the journal's write, which never came: not logged, so not logged twice.
    expect(reply.stats).toMatchObject({ pending: 0, queued: 0 });
    expect(readFileSync(path, "utf8")).toBe("");
    await expireAndClose(new RoutingEngine({ modelPath, decisionLogPath: path, seed: 2, rewardWaitMs: 50, log: () => {} }));
    expect(readLines(path).map((l) => [l.decision_id, l.resolution])).toEqual([[reply.id, "expired"]]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("does not log an outcome the store refused, and logs it once when its feedback is sent again after a restart", async () => {
    const path = tempPath();
    const store = new MemoryStore();
    const first = await RoutingEngine.open({ store, decisionLogPath: path, seed: 1, log: () => {} });
    const { metadata } = first.decide({ context, providers: market(2) });
    store.failWrites(new Error("disk full"));
    await expect(first.feedback(success(metadata.decision_id))).rejects.toMatchObject({ name: "FeedbackNotDurableError" });
    await first.decisionLog?.flush();
    expect(first.decisionLog?.stats()).toMatchObject({ pending: 0, unconfirmed: 1, written: 0 });
    // The process dies; the store keeps what it was given, the refused outcome not among it.
    store.failWrites(undefined);
    const second = await RoutingEngine.open({ store, decisionLogPath: path, seed: 2, log: () => {} });
    await second.feedback(success(metadata.decision_id));
    await second.close();
    expect(readLines(path).map((l) => l.decision_id)).toEqual([metadata.decision_id]);
  });

  it("goes back to the last save with autoSave false: decisions pending there are not logged again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-"));
    const path = join(dir, "decisions.jsonl");
    const options = {
      modelPath: join(dir, "model.json"),
      decisionLogPath: path,
      autoSave: false,
      rewardWaitMs: 50,
      log: () => {},
    };
    const first = new RoutingEngine({ seed: 1, ...options });
    const { metadata } = first.decide({ context, providers: market(2) });
    await first.save();
    await first.feedback(success(metadata.decision_id));
    await first.close();
    // The model on disk is the one save() wrote, with the decision pending: it expires here.
    const second = new RoutingEngine({ seed: 2, ...options });
    expect(second.decisionLog?.stats()).toMatchObject({ pending: 0 });
    await expireAndClose(second);
    expect(readLines(path).map((l) => [l.decision_id, l.resolution])).toEqual([[metadata.decision_id, "feedback"]]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("logs a decision whose outcome is being written while new decisions fill maxPending", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-"));
    const path = join(dir, "decisions.jsonl");
    const engine = new RoutingEngine({
      modelPath: join(dir, "model.json"),
      decisionLogPath: path,
      maxPending: 2,
      seed: 1,
      log: () => {},
    });
    const decide = () => engine.decide({ context, providers: market(2) }).metadata.decision_id;
    const first = decide();
    decide();
    const written = engine.feedback(success(first));
    decide();
    decide(); // evicts the second: the executor holds two pending, the writer two and the one being written
    await written;
    expect(engine.decisionLog?.stats()).toMatchObject({ forgotten: 0, unmatched: 0 });
    await engine.close();
    expect(readLines(path).map((l) => l.decision_id)).toContain(first);
    rmSync(dir, { recursive: true, force: true });
  });

  it("does not log an outcome before the store has written it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aurora-decision-log-"));
    const path = join(dir, "decisions.jsonl");
    const engine = new RoutingEngine({ modelPath: join(dir, "model.json"), decisionLogPath: path, seed: 9, log: () => {} });
    const { metadata } = engine.decide({ context, providers: market(2) });
    const acknowledged = engine.feedback(success(metadata.decision_id));
    // Told synchronously, the writer would have queued its line now; it holds it, out of the pending count.
    expect(engine.decisionLog?.stats()).toMatchObject({ pending: 0, queued: 0 });
    await acknowledged;
    expect(engine.decisionLog?.stats()).toMatchObject({ pending: 0, queued: 0, written: 1 });
    await engine.close();
    expect(readLines(path)).toHaveLength(1);
    rmSync(dir, { recursive: true, force: true });
  });
});
