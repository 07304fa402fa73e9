import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "./atomic-write.js";

describe("writeFileAtomic", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "aurora-atomic-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the chunks, in order, as one file", async () => {
    const path = join(dir, "model.json");
    await writeFileAtomic(path, ['{"a":', "1,", '"Ψ":"é"}']);
    expect(await readFile(path, "utf8")).toBe('{"a":1,"Ψ":"é"}');
    expect(await readdir(dir)).toEqual(["model.json"]);
  });

  it("replaces an existing file", async () => {
    const path = join(dir, "model.json");
    await writeFile(path, "old");
    await writeFileAtomic(path, ["new"]);
    expect(await readFile(path, "utf8")).toBe("new");
  });

  it("leaves no temporary file behind when the rename fails", async () => {
    const path = join(dir, "model.json");
    await mkdir(path);
    await expect(writeFileAtomic(path, ["x"])).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["model.json"]);
  });

  it("leaves no temporary file behind when producing the content fails", async () => {
    const path = join(dir, "model.json");
    await writeFile(path, "old");
    function* failing(): Generator<string> {
      yield "partial";
      throw new Error("serializer broke");
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow("serializer broke");
    expect(await readdir(dir)).toEqual(["model.json"]);
    expect(await readFile(path, "utf8")).toBe("old");
  });

  it("fails when the folder does not exist, creating nothing", async () => {
    await expect(writeFileAtomic(join(dir, "missing", "model.json"), ["x"])).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});
