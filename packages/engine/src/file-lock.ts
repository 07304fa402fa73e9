import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { AuroraError } from "@aurora/domain";

/** Another live process holds the model: two writers would interleave their journals. */
export class ModelLockedError extends AuroraError {
  readonly path: string;
  readonly pid: number;

  constructor(path: string, pid: number) {
    super(
      "MODEL_LOCKED",
      `model ${path} is in use by process ${pid} (see ${path}.lock): stop that process or use another modelPath; ` +
        "for several processes that learn together, use @aurora/store-postgres",
    );
    this.path = path;
    this.pid = pid;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `${path}.lock` for this process. A lock left by a process that is gone (killed, crashed)
 * is taken over; one held by this same process is too (one engine per model file per process is
 * the caller's business). Returns the function that releases it.
 */
export function acquireFileLock(modelPath: string): () => void {
  const lockPath = `${modelPath}.lock`;
  const mine = String(process.pid);
  try {
    const fd = openSync(lockPath, "wx", 0o644);
    writeSync(fd, mine);
    closeSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
    if (Number.isSafeInteger(holder) && holder !== process.pid && isAlive(holder)) throw new ModelLockedError(modelPath, holder);
    writeFileSync(lockPath, mine);
  }
  return () => {
    try {
      if (readFileSync(lockPath, "utf8") === mine) rmSync(lockPath, { force: true });
    } catch {
      /* already gone */
    }
  };
}
