import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
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

  constructor(path: string, pid: number, message?: string) {
    super(
      "MODEL_LOCKED",
      message ??
        (pid === process.pid
          ? `model ${path} is in use by another engine in this process: close() it (and await it) first, or use another modelPath`
          : `model ${path} is in use by process ${pid} (see ${path}.lock): stop that process or use another modelPath; ` +
            "for several processes that learn together, use @aurora/store-postgres"),
    );
    this.path = path;
    this.pid = pid;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Which process a lock file names: its pid and, where the system says (Linux's /proc), the boot it
 * ran in, when it started and its pid namespace, so that a pid another process has since been given
 * is not taken for the holder. Written as the pid, then a line `boot start namespace`: a reader that
 * knows only the pid (an earlier version) reads the first line and goes on as before.
 */
export interface LockHolder {
  pid: number;
  /** `/proc/sys/kernel/random/boot_id` of the holder's boot; undefined where unknown. */
  boot?: string;
  /** The holder's start time in clock ticks since that boot (`/proc/<pid>/stat`, field 22). */
  start?: string;
  /** The holder's pid namespace (`/proc/self/ns/pid`, e.g. `pid:[4026531836]`): its pid means nothing in another. */
  ns?: string;
}

/** Read once: this machine's boot id and this process's pid namespace; undefined off Linux. */
let identity: { boot: string | undefined; ns: string | undefined } | undefined;
function currentIdentity(): { boot: string | undefined; ns: string | undefined } {
  if (identity === undefined) {
    let boot: string | undefined;
    let ns: string | undefined;
    try {
      boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
      ns = readlinkSync("/proc/self/ns/pid");
    } catch {
      /* not Linux, or no /proc */
    }
    identity = { boot, ns };
  }
  return identity;
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
  const { boot, ns } = currentIdentity();
  const start = boot === undefined ? undefined : processStart(process.pid);
  if (boot === undefined || start === undefined) return String(process.pid);
  return `${process.pid}\n${boot} ${start}${ns === undefined ? "" : ` ${ns}`}\n`;
}

/** The holder a lock file's text names; undefined when it names no pid. */
export function parseLockHolder(text: string): LockHolder | undefined {
  const [first = "", second = ""] = text.split("\n");
  const pid = Number.parseInt(first, 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const [boot, start, ns] = second.trim().split(" ");
  if (!boot || !start) return { pid };
  return ns ? { pid, boot, start, ns } : { pid, boot, start };
}

/**
 * Whether the process a lock names is still running. In this boot and this pid namespace, only the
 * same process counts (not a later one given its pid); a lock of an earlier boot is dead. From
 * another pid namespace (another container sharing the folder) or without /proc, only the pid can
 * be asked, as an earlier version did: any live process with it here counts.
 */
export function holderAlive(holder: LockHolder): boolean {
  const { boot, ns } = currentIdentity();
  if (holder.boot !== undefined && holder.start !== undefined && boot !== undefined) {
    if (holder.boot !== boot) return false;
    if (holder.ns !== undefined && holder.ns === ns) {
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

/** How long a start waits for another process's takeover of the same lock, at most. */
const TAKEOVER_WAIT_MS = 8_000;
/** A lock file that names no holder, younger than this, may be being written (where hard links fail, see `createExclusive`). */
const HALF_WRITTEN_MS = 1_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes `${path}.lock` for this process. A lock left by a process that is gone (killed, crashed,
 * or an earlier process with the pid: containers and reboots reuse them) is taken over, by one
 * process at a time: the one that creates `${path}.lock.takeover`, which names it, so that two
 * processes starting together after a crash do not both take it. One this process holds already
 * (another engine on the same model, not closed) is refused like another live process's: two
 * writers would interleave their journals and snapshots, and lose acknowledged feedback. Waits
 * (synchronously) up to 8 s for another start's takeover. Returns the function that releases it.
 * The lock covers one host and one pid namespace (see `holderAlive`).
 */
export function acquireFileLock(modelPath: string): () => void {
  const lockPath = `${modelPath}.lock`;
  const key = lockKey(lockPath);
  if (HELD.has(key)) throw new ModelLockedError(modelPath, process.pid);
  const mine = lockText();
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (createExclusive(lockPath, mine)) break;
    const holder = readHolder(lockPath);
    if (holder === undefined) {
      if (!existsSync(lockPath)) continue; // released meanwhile: create it
      if (beingWritten(lockPath) && Date.now() < deadline) {
        sleepSync(5);
        continue;
      }
    } else if (holder.pid !== process.pid && holderAlive(holder)) throw new ModelLockedError(modelPath, holder.pid);
    // Left by a process that is gone: taken over by whoever holds the takeover file.
    if (takeOver(lockPath, mine, modelPath)) break;
    if (Date.now() > deadline) {
      throw new ModelLockedError(
        modelPath,
        holder?.pid ?? 0,
        `model ${modelPath}'s lock was left by a process that is gone, but another start has been taking it over for ` +
          `${TAKEOVER_WAIT_MS / 1000} s (${lockPath}.takeover names it): if no other process is starting on this model, remove that file`,
      );
    }
    sleepSync(5);
  }
  const token = {};
  HELD.set(key, token);
  tidyLeftovers(lockPath);
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

/** A file beside `path` holding `text`, to be put in its place whole. */
function writeBeside(path: string, text: string): string {
  const beside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(beside, text, { mode: 0o644 });
  return beside;
}

/**
 * Creates `path` with `text`, whole from the start (a hard link to a file written first, so no one
 * reads it empty); false when it exists. Where hard links are not supported, creates it
 * exclusively and then writes it (a reader may find it empty for a moment: `beingWritten`).
 */
function createExclusive(path: string, text: string): boolean {
  const written = writeBeside(path, text);
  try {
    linkSync(written, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw error;
  } finally {
    rmSync(written, { force: true });
  }
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
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

/** Whether a file that names no holder was created a moment ago (not in the future: a clock set back does not keep it young). */
function beingWritten(path: string): boolean {
  try {
    const age = Date.now() - statSync(path).mtimeMs;
    return age >= 0 && age < HALF_WRITTEN_MS;
  } catch {
    return false;
  }
}

/**
 * Replaces a dead holder's lock with `text` while holding the takeover file; false when another
 * live process holds that (try again). Throws `ModelLockedError` when, by then, a live process
 * holds the lock (another start took it over first). The lock file is never removed here, so a
 * start that creates it cannot slip in between.
 */
function takeOver(lockPath: string, text: string, modelPath: string): boolean {
  const guard = `${lockPath}.takeover`;
  if (!createExclusive(guard, text)) {
    clearIfDead(guard);
    return false;
  }
  try {
    const holder = readHolder(lockPath);
    if (holder === undefined && !existsSync(lockPath)) return createExclusive(lockPath, text);
    if (holder === undefined && beingWritten(lockPath)) return false;
    if (holder !== undefined && holder.pid !== process.pid && holderAlive(holder))
      throw new ModelLockedError(modelPath, holder.pid);
    // Replaced whole (a rename), so a start reading it meanwhile reads the dead holder or this one.
    renameSync(writeBeside(lockPath, text), lockPath);
    return true;
  } finally {
    if (readText(guard) === text) rmSync(guard, { force: true });
  }
}

/**
 * Removes a takeover file whose process is gone (it died taking over). It is moved aside first and
 * read again there: if it is not the one judged dead (another start made a new one meanwhile), it
 * is put back.
 */
function clearIfDead(guard: string): void {
  const text = readText(guard);
  if (text === undefined) return;
  const owner = parseLockHolder(text);
  if (owner === undefined ? beingWritten(guard) : owner.pid !== process.pid && holderAlive(owner)) return;
  const aside = `${guard}.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    renameSync(guard, aside);
  } catch {
    return; // gone meanwhile
  }
  try {
    if (readText(aside) !== text) linkSync(aside, guard);
  } catch {
    /* another start made one since: it stands */
  } finally {
    rmSync(aside, { force: true });
  }
}

/**
 * Removes what processes that died at the lock left beside it: a takeover file whose process is
 * gone, and the files `writeBeside` writes (`model.json.lock.<pid>.<hex>`) of processes that are gone.
 */
function tidyLeftovers(lockPath: string): void {
  const folder = dirname(lockPath);
  const prefix = `${basename(lockPath)}.`;
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const rest = name.slice(prefix.length);
    if (rest === "takeover") {
      clearIfDead(join(folder, name));
      continue;
    }
    const match = /^(?:takeover\.)?(\d+)\.[0-9a-f]{8}$/.exec(rest);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && !isAlive(pid)) rmSync(join(folder, name), { force: true });
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
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
