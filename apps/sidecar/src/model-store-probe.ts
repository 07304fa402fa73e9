import { randomBytes } from "node:crypto";
import { open, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export type StoreCheck = { ok: true } | { ok: false; error: string };

/**
 * Whether the model can be saved at `modelPath` now: the path is not a folder and its folder
 * takes a new file (the engine writes a temporary file there and renames it over the model).
 * A probe file is created and removed, which also catches read-only mounts, where a
 * permission check would answer yes to root.
 */
export async function probeModelStore(modelPath: string): Promise<StoreCheck> {
  try {
    const info = await stat(modelPath);
    if (info.isDirectory()) return { ok: false, error: `MODEL_PATH ${modelPath} is a folder: point it at a file inside one` };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return failure(modelPath, error);
  }
  const probe = join(dirname(modelPath), `.${basename(modelPath)}.probe-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    const handle = await open(probe, "wx", 0o600);
    await handle.close();
    await unlink(probe);
    return { ok: true };
  } catch (error) {
    return failure(modelPath, error);
  }
}

function failure(modelPath: string, error: unknown): StoreCheck {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return {
    ok: false,
    error: `MODEL_PATH ${modelPath} is not writable (${reason} in ${dirname(modelPath)}): create the folder, fix its permissions or point MODEL_PATH elsewhere`,
  };
}
