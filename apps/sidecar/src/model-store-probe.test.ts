import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { probeModelStore } from "./model-store-probe.js";

describe("probeModelStore", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "aurora-probe-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("says ok for a new file in a writable folder, and leaves no probe file behind", async () => {
    expect(await probeModelStore(join(dir, "model.json"))).toEqual({ ok: true });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("says ok for an existing model file", async () => {
    writeFileSync(join(dir, "model.json"), "{}");
    expect(await probeModelStore(join(dir, "model.json"))).toEqual({ ok: true });
  });

  it("names the path and the reason when the folder does not exist", async () => {
    const path = join(dir, "missing", "model.json");
    expect(await probeModelStore(path)).toEqual({
      ok: false,
      error: `MODEL_PATH ${path} is not writable (ENOENT in ${join(dir, "missing")}): create the folder, fix its permissions or point MODEL_PATH elsewhere`,
    });
  });

  it("refuses a path under a file", async () => {
    writeFileSync(join(dir, "file"), "");
    const path = join(dir, "file", "model.json");
    expect(await probeModelStore(path)).toMatchObject({ ok: false, error: expect.stringContaining("(ENOTDIR in") });
  });

  it("refuses a folder as the model path", async () => {
    expect(await probeModelStore(dir)).toEqual({
      ok: false,
      error: `MODEL_PATH ${dir} is a folder: point it at a file inside one`,
    });
  });
});
