import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The built engine, as a child process imports it. */
export const ENGINE_INDEX = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "index.js")).href;

/**
 * The top of a script that talks in lines with the test: `say(value)` prints one JSON object,
 * `await lines.next()` waits for the test's `go()`.
 */
export const LINE_PROTOCOL = `
import { createInterface } from "node:readline";
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const say = (value) => console.log(JSON.stringify(value));
`;

export interface ChildScript {
  /** The next object the script printed. */
  next(): Promise<Record<string, unknown>>;
  /** Lets the script go on past its next `await lines.next()`. */
  go(): void;
  /** Kills the script (SIGKILL) unless it has exited, and waits for it to be gone. */
  stop(): Promise<void>;
}

/** Runs `script` (an ES module's text) in a child Node process with `args` after it. */
export function startChildScript(script: string, args: readonly string[]): ChildScript {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    next: async () => JSON.parse((await replies.next()).value as string),
    go: () => child.stdin.write("go\n"),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * Lowers a running process's file-size limit (RLIMIT_FSIZE) to `bytes`, or lifts it (undefined):
 * a write past the limit fails with EFBIG, as on a full disk (Node ignores SIGXFSZ).
 */
export function limitFileSize(pid: number, bytes?: number): void {
  execFileSync("prlimit", ["--pid", String(pid), `--fsize=${bytes ?? "unlimited"}:unlimited`]);
}
