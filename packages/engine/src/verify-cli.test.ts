import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { fileStorePaths } from "./file-store.js";
import { segmentName } from "./journal.js";
import { RoutingEngine } from "./routing-engine.js";

/** The built command, as `npx aurora-verify` runs it. */
const CLI = fileURLToPath(new URL("../dist/verify-cli.js", import.meta.url));

const verify = (...args: string[]) => {
  const { status, stdout, stderr } = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { status, stdout, stderr };
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A model after normal work and a clean close: two snapshots by `save()`, the third by `close()`. */
async function savedModel(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "aurora-verify-cli-"));
  dirs.push(dir);
  const modelPath = join(dir, "model.json");
  const engine = new RoutingEngine({ modelPath, seed: 8, saveEvery: 1_000_000, log: () => {} });
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 5; i++) {
      const { metadata } = engine.decide({ context, providers: market(3) });
      await engine.feedback({
        decision_id: metadata.decision_id,
        success: i % 2 === 0,
        actual_cost_usd: 2,
        actual_latency_ms: 90,
        actual_reputation: 90,
      });
    }
    await engine.save();
  }
  await engine.close();
  return modelPath;
}

let modelPath: string;

beforeAll(async () => {
  modelPath = await savedModel();
});

describe("aurora-verify", () => {
  it("exits 0 on an intact model, listing what it checked", () => {
    const { status, stdout } = verify(modelPath);
    expect(status).toBe(0);
    expect(stdout).toContain("  receipts: 3 linked, newest version 3\n");
    expect(stdout.endsWith("intact: every link holds\n")).toBe(true);
  });

  it("prints the report as JSON with --json", () => {
    const { status, stdout } = verify(modelPath, "--json");
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, broken: null });
  });

  describe("exits 1, naming the broken part", () => {
    it("when the snapshot's model_version was removed", async () => {
      const damaged = await savedModel();
      const { model_version: _, ...rest } = JSON.parse(readFileSync(damaged, "utf8"));
      writeFileSync(damaged, JSON.stringify(rest));
      const { status, stdout } = verify(damaged);
      expect(status).toBe(1);
      expect(stdout).toContain(`BROKEN (snapshot): ${damaged} has no model_version, but the receipts name versions up to 3`);
    });

    it("when the snapshot was deleted", async () => {
      const damaged = await savedModel();
      rmSync(damaged);
      const { status, stdout } = verify(damaged);
      expect(status).toBe(1);
      expect(stdout).toContain(`BROKEN (snapshot): ${damaged} is missing, but the receipts name version 3 (deleted?)`);
    });

    it("when the journal segment the snapshot replays from was deleted", async () => {
      const damaged = await savedModel();
      const { journal_segment: cut } = JSON.parse(readFileSync(damaged, "utf8"));
      const segment = join(fileStorePaths(damaged).journal, segmentName(cut));
      rmSync(segment);
      const { status, stdout } = verify(damaged);
      expect(status).toBe(1);
      expect(stdout).toContain(`BROKEN (journal): ${segment} is missing`);
    });
  });

  it("prints its usage on stdout and exits 0 for --help", () => {
    for (const flag of ["--help", "-h"]) {
      const { status, stdout, stderr } = verify(flag);
      expect(status).toBe(0);
      expect(stderr).toBe("");
      expect(stdout).toMatch(/^usage: aurora-verify <modelPath> \[--json\]/);
    }
  });

  describe("exits 2, naming the path, when it holds no file store", () => {
    it("for a path where nothing is", () => {
      const missing = join(dirname(modelPath), "no-such-model.json");
      const { status, stdout, stderr } = verify(missing);
      expect(status).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain(`aurora-verify: ${missing} does not exist, nor a receipts file, journal or audit trail beside it`);
      expect(stderr).toContain("usage: aurora-verify <modelPath> [--json]");
    });

    it("for the model's folder, naming the model file in it", () => {
      const { status, stderr } = verify(dirname(modelPath));
      expect(status).toBe(2);
      expect(stderr).toContain(
        `aurora-verify: ${dirname(modelPath)} is a folder: give the model file in it (the engine's modelPath), e.g. ${modelPath}\n`,
      );
    });

    it("for a file with nothing beside it that no file store wrote", () => {
      const lone = join(dirname(modelPath), "lone.json");
      writeFileSync(lone, "{}");
      const { status, stdout, stderr } = verify(lone);
      expect(status).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain(
        `aurora-verify: ${lone} has no receipts file, journal or audit trail beside it, and is no snapshot the engine's file store wrote (no model_version): nothing is chained to verify`,
      );
    });

    it("for a path it cannot reach (a file on the way), with one line and no stack trace", () => {
      const through = join(modelPath, "model.json");
      const { status, stdout, stderr } = verify(through);
      expect(status).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toBe(`aurora-verify: cannot stat ${through} (ENOTDIR)\n`);
    });

    it("for no path at all", () => {
      const { status, stderr } = verify();
      expect(status).toBe(2);
      expect(stderr).toMatch(/^usage: aurora-verify <modelPath> \[--json\]/);
    });
  });
});
