import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
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
 * Which process a lock file names: its pid and, where the system says (Linux's /proc), the boot it
 * ran in and when it started, so that a pid another process has since been given is not taken for
 * the holder. Written as the pid, then a line `boot start`: a reader that knows only the pid
 * (an earlier version) reads the first line and goes on as before.
 */
export interface LockHolder {
  pid: number;
  /** `/proc/sys/kernel/random/boot_id` of the holder's boot; undefined where unknown. */
  boot?: string;
  /** The holder's start time in clock ticks since that boot (`/proc/<pid>/stat`, field 22). */
  start?: string;
}

/** This machine's boot id, read once; undefined off Linux. */
let bootId: string | null | undefined = null;
function currentBoot(): string | undefined {
  if (bootId === null) {
    try {
      bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
    } catch {
      bootId = undefined;
    }
  }
  return bootId;
}

/** When `pid` started, in clock ticks since boot (`/proc/<pid>/stat`); undefined when there is no such process or no /proc. */
export function processStart(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19];
}

/** The lock file's text for this process. */
function lockText(): string {
  const boot = currentBoot();
  const start = boot === undefined ? undefined : processStart(process.pid);
  return boot !== undefined && start !== undefined ? `${process.pid}\n${boot} ${start}\n` : String(process.pid);
}

/** The holder a lock file's text names; undefined when it names no pid. */
export function parseLockHolder(text: string): LockHolder | undefined {
  const [first = "", second = ""] = text.split("\n");
  const pid = Number.parseInt(first, 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const [boot, start] = second.trim().split(" ");
  return boot && start ? { pid, boot, start } : { pid };
}

/**
 * Whether the process a lock names is still running: with its boot and start time, only the same
 * process (not a later one given its pid, nor one of an earlier boot) counts; without them, any
 * live process with that pid does.
 */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.boot !== undefined && holder.start !== undefined) {
    const boot = currentBoot();
    if (boot !== undefined) {
      if (boot !== holder.boot) return false;
      const start = processStart(holder.pid);
      if (start !== undefined || !isAlive(holder.pid)) return start === holder.start;
    }
  }
  return isAlive(holder.pid);
}

/** The lock file's holder, or undefined when there is no lock file (or it names no pid). */
function readHolder(lockPath: string): LockHolder | undefined {
  try {
    return parseLockHolder(readFileSync(lockPath, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
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

/** A takeover folder older than this was left by a process that died taking over: removed. */
const STALE_TAKEOVER_MS = 5_000;
/** How long a start waits for another process's takeover of the same lock, at most. */
const TAKEOVER_WAIT_MS = 8_000;
/** A lock file that names no holder, younger than this, is being written by the start that created it. */
const HALF_WRITTEN_MS = 1_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes `${path}.lock` for this process. A lock left by a process that is gone (killed, crashed,
 * or an earlier process with the pid: containers and reboots reuse them) is taken over, by one
 * process at a time (`${path}.lock.takeover`, a folder only one process can create), so two
 * processes starting together after a crash cannot both take it. One this process holds already
 * (another engine on the same model, not closed) is refused like another live process's: two
 * writers would interleave their journals and snapshots, and lose acknowledged feedback. Returns
 * the function that releases it.
 */
export function acquireFileLock(modelPath: string): () => void {
  const lockPath = `${modelPath}.lock`;
  const key = lockKey(lockPath);
  if (HELD.has(key)) throw new ModelLockedError(modelPath, process.pid);
  const mine = lockText();
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (createLock(lockPath, mine)) break;
    const holder = readHolder(lockPath);
    if (holder === undefined) {
      if (!existsSync(lockPath)) continue; // released meanwhile: create it
      if (beingWritten(lockPath) && Date.now() < deadline) {
        sleepSync(5);
        continue;
      }
    } else if (holder.pid !== process.pid && holderAlive(holder)) throw new ModelLockedError(modelPath, holder.pid);
    // Left by a process that is gone: taken over by whoever holds the takeover folder.
    if (takeOver(lockPath, mine, modelPath)) break;
    if (Date.now() > deadline) {
      throw new ModelLockedError(modelPath, holder?.pid ?? 0);
    }
    sleepSync(5);
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

/** A file beside the lock holding `text`, for `takeOver` to put in its place whole. */
function writeBeside(lockPath: string, text: string): string {
  const path = `${lockPath}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}

/** Creates the lock file with `text`; false when there is one. */
function createLock(lockPath: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Whether a lock file that names no holder is being written (created a moment ago: `createLock`
 * opens it, then writes it) rather than left empty by a process killed in between.
 */
function beingWritten(lockPath: string): boolean {
  try {
    return Date.now() - statSync(lockPath).mtimeMs < HALF_WRITTEN_MS;
  } catch {
    return false;
  }
}

/**
 * Replaces a dead holder's lock with `text` while holding the takeover folder; false when another
 * process is taking it over (try again). Throws `ModelLockedError` when, by then, a live process
 * holds it (another start took it over first). The lock file is never removed here, so a start
 * that creates it (`wx`) cannot slip in between.
 */
function takeOver(lockPath: string, text: string, modelPath: string): boolean {
  const guard = `${lockPath}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    try {
      if (Date.now() - statSync(guard).mtimeMs > STALE_TAKEOVER_MS) rmSync(guard, { recursive: true, force: true });
    } catch {
      /* gone meanwhile */
    }
    return false;
  }
  try {
    const holder = readHolder(lockPath);
    if (holder === undefined && !existsSync(lockPath)) return createLock(lockPath, text);
    if (holder === undefined && beingWritten(lockPath)) return false;
    if (holder !== undefined && holder.pid !== process.pid && holderAlive(holder))
      throw new ModelLockedError(modelPath, holder.pid);
    // Replaced whole (a rename), so a start reading it meanwhile reads the dead holder or this one.
    renameSync(writeBeside(lockPath, text), lockPath);
    return true;
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
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
