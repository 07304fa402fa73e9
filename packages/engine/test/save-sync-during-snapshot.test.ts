import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuplicateFeedbackError } from "@aurora/domain";
import { afterAll, describe, expect, it } from "vitest";
import { RoutingEngine, verifyFileStore } from "../src/index.js";
import { ENGINE_INDEX, LINE_PROTOCOL, startChildScript } from "./child-script.js";

/**
 * The sidecar's shutdown: `close()` (or a `save()`) starts a snapshot written in the background,
 * and a deadline's exit handler calls `saveSync()` while that snapshot is between two of its steps;
 * then the process dies (kill -9), whatever the background snapshot had left to do. The built
 * engine runs in a child process; `saveSync()` comes as soon as the folder shows the step named
 * (polled at every turn of the event loop), and the test kills the child once it has said which
 * feedback was acknowledged: at once, or after the background snapshot had a few or many
 * milliseconds more.
 */
const SCRIPT = `${LINE_PROTOCOL}
import { readdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
const { RoutingEngine } = await import(${JSON.stringify(ENGINE_INDEX)});
const [modelPath, step] = process.argv.slice(1);
const engine = new RoutingEngine({ modelPath, seed: 5, saveEvery: 1000000, log: () => {} });
const providers = Array.from({ length: 5 }, (_, i) => ({
  provider_id: "p" + i, price_usd_per_hour: 1 + i / 2, latency_ms: 50 + i * 10, reputation: 80, available: true,
}));
const acked = [];
const ack = async (i) => {
  const context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 + (i % 10) };
  const id = engine.decide({ context, providers }).metadata.decision_id;
  await engine.feedback({ decision_id: id, success: i % 5 !== 0, actual_cost_usd: 1 + (i % 4), actual_latency_ms: 80 + i });
  acked.push(id);
};
for (let round = 0; round < 3; round++) {
  for (let i = 0; i < 15; i++) await ack(i);
  if (round < 2) await engine.save();
}
const stat = (path) => statSync(path, { throwIfNoEntry: false });
const inode = stat(modelPath).ino;
const previousInode = stat(modelPath + ".prev").ino;
const receiptBytes = stat(modelPath + ".receipts").size;
const temps = () => readdirSync(dirname(modelPath)).filter((name) => name.startsWith(".model.json.") && name.endsWith(".tmp"));
const steps = {
  written: () => temps().length > 0,
  receipt: () => stat(modelPath + ".receipts").size > receiptBytes,
  linked: () => (stat(modelPath)?.nlink ?? 0) > 1,
  replaced: () => stat(modelPath)?.ino !== inode,
  previous: () => stat(modelPath + ".prev")?.ino !== previousInode,
};
let settled = false;
const saving = engine.save().finally(() => { settled = true; });
let synced = false;
const traffic = (async () => { for (let i = 0; !synced; i++) await ack(i); })();
while (!steps[step]() && !settled) await new Promise((resolve) => setImmediate(resolve));
engine.saveSync();
synced = true;
say({ acked, during: !settled });
await Promise.allSettled([saving, traffic]);
await lines.next();
`;

describe("saveSync() while a background snapshot is in flight, then kill -9", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const step of ["written", "receipt", "linked", "replaced", "previous"]) {
    it(`restarts with every acknowledged feedback and a folder that verifies (saveSync once ${step})`, async () => {
      let hits = 0;
      for (const killAfterMs of [0, 2, 50]) {
        const dir = mkdtempSync(join(tmpdir(), "aurora-save-sync-"));
        dirs.push(dir);
        const modelPath = join(dir, "model.json");
        const child = startChildScript(SCRIPT, [modelPath, step]);
        let acked: string[];
        try {
          const said = (await child.next()) as { acked: string[]; during: boolean };
          acked = said.acked;
          if (said.during) hits++;
          await new Promise((resolve) => setTimeout(resolve, killAfterMs));
        } finally {
          await child.stop();
        }
        const lines: string[] = [];
        const restarted = new RoutingEngine({ modelPath, seed: 5, log: (line) => lines.push(line) });
        expect(restarted.getStatus().executor.total_outcomes).toBeGreaterThanOrEqual(acked.length);
        for (const id of acked) {
          await expect(
            restarted.feedback({ decision_id: id, success: true, actual_cost_usd: 1, actual_latency_ms: 80 }),
          ).rejects.toBeInstanceOf(DuplicateFeedbackError);
        }
        await restarted.close();
        // The files the killed process was putting in place are removed (or its install finished) at the start; nothing is moved aside.
        expect(
          lines.filter((line) => !/^(removed .*\.tmp, which process \d+ was writing|put .*\.tmp in place as )/.test(line)),
        ).toEqual([]);
        expect(readdirSync(dir).filter((name) => name.includes(".corrupt-") || name.endsWith(".tmp"))).toEqual([]);
        expect(verifyFileStore(modelPath)).toMatchObject({ ok: true, broken: null });
        const receipts = readFileSync(`${modelPath}.receipts`, "utf8").trim().split("\n");
        expect(JSON.parse(readFileSync(modelPath, "utf8")).model_version).toBe(receipts.length);
      }
      expect(hits).toBeGreaterThan(0);
    });
  }
});
