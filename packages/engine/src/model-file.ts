import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { AuroraError } from "@aurora/domain";

/** The model file could not be read or parsed; the engine refuses to start on it rather than silently forgetting. */
export class ModelFileError extends AuroraError {
  readonly path: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super("MODEL_FILE", `model file ${path} ${reason}`, options);
    this.path = path;
  }
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Makes a rename in `dir` durable. */
export function fsyncDirectory(dir: string): void {
  // Makes the rename itself durable; some platforms cannot open a directory, which is harmless to skip.
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* not supported here */
  }
}

/** {@link fsyncDirectory} off the event loop: the main thread never waits for the disk. */
export async function fsyncDirectoryAsync(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(dir, "r");
  } catch {
    return; // some platforms cannot open a directory, which is harmless to skip
  }
  try {
    await handle.sync();
  } catch {
    /* not supported here */
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` atomically: the text goes to a temporary file in the same folder, is
 * fsync'd, then renamed over the target. A crash at any point leaves either the old file
 * or the new one, never a torn mix.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = tempPathFor(path);
  const handle = await open(temp, "w", 0o644);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  fsyncDirectory(dirname(path));
}

/** The synchronous twin of {@link writeFileAtomic}, for exit paths that cannot await. */
export function writeFileAtomicSync(path: string, text: string): void {
  const temp = tempPathFor(path);
  const fd = openSync(temp, "w", 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      /* already gone */
    }
    throw error;
  }
  fsyncDirectory(dirname(path));
}

/** Reads and parses a model file; `undefined` when there is none yet. */
export function readModelFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ModelFileError(path, `cannot be read: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(
      path,
      "is not valid JSON (a torn or foreign file?): restore a good copy or move it away to start fresh",
      { cause: error },
    );
  }
}
