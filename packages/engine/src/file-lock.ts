import { closeSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { AuroraError } from "@aurora/domain";

/** Another live process holds the model: two writers would interleave their journals. */
export class ModelLockedError extends AuroraError {
  readonly path: string;
  readonly pid: number;

  constructor(path: string, pid: number) {
    super(
      "MODEL_LOCKED",
      pid === process.pid
        ? `model ${path} is in use by another engine in this process: close() it (and await it) first, or use another modelPath`
        : `model ${path} is in use by process ${pid} (see ${path}.lock): stop that process or use another modelPath; ` +
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
 * The model files this process holds, by their lock's real path, each with its holder's token:
 * one map for every copy of this module loaded in the process (its ES module and CommonJS builds
 * both), so that two engines in one process cannot open the same model either.
 */
const HELD = heldLocks();

function heldLocks(): Map<string, object> {
  const shared = globalThis as Record<symbol, unknown>;
  const name = Symbol.for("@aurora/engine.heldModelLocks");
  if (!(shared[name] instanceof Map)) shared[name] = new Map<string, object>();
  return shared[name] as Map<string, object>;
}

/** The lock's path with its folder's symbolic links resolved, when the folder exists. */
function lockKey(lockPath: string): string {
  try {
    return join(realpathSync(dirname(lockPath)), basename(lockPath));
  } catch {
    return resolve(lockPath);
  }
}

/**
 * Takes `${path}.lock` for this process. A lock left by a process that is gone (killed, crashed)
 * is taken over. One this process holds already (another engine on the same model, not closed) is
 * refused like another live process's: two writers would interleave their journals and
 * snapshots, and lose acknowledged feedback. Returns the function that releases it.
 */
export function acquireFileLock(modelPath: string): () => void {
  const lockPath = `${modelPath}.lock`;
  const key = lockKey(lockPath);
  if (HELD.has(key)) throw new ModelLockedError(modelPath, process.pid);
  const mine = String(process.pid);
  try {
    const fd = openSync(lockPath, "wx", 0o644);
    writeSync(fd, mine);
    closeSync(fd);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
    if (Number.isSafeInteger(holder) && holder !== process.pid && isAlive(holder)) throw new ModelLockedError(modelPath, holder);
    // Left by a process that is gone (or by an earlier process with this pid: containers reuse them).
    writeFileSync(lockPath, mine);
  }
  const token = {};
  HELD.set(key, token);
  return () => {
    // Released already, or dropped by `forgetHold` (a simulated crash) and held by another engine since.
    if (HELD.get(key) !== token) return;
    HELD.delete(key);
    try {
      if (readFileSync(lockPath, "utf8") === mine) rmSync(lockPath, { force: true });
    } catch {
      /* already gone */
    }
  };
}

/**
 * Drops this process's hold on a model as its death would, leaving the engine that holds it as it
 * is (not closed, nothing flushed) and the lock file in place: the next engine on the model takes
 * it over and starts as after a kill -9, and the old engine's `close()` then releases nothing.
 * For tests that crash and restart an engine within one process.
 */
export function forgetHold(modelPath: string): void {
  HELD.delete(lockKey(`${modelPath}.lock`));
}
