import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

export interface RunningSidecar {
  url: string;
  /** SIGTERM, then wait for the sidecar to save and exit. */
  stop(): Promise<void>;
}

/** Where the built sidecar is: `apps/sidecar/dist/main.js` in this repository. */
function sidecarMain(): string {
  return join(dirname(createRequire(import.meta.url).resolve("@aurora/sidecar/package.json")), "dist", "main.js");
}

/**
 * Starts `node apps/sidecar/dist/main.js` on a free port (PORT=0) and resolves once it logs
 * "aurora sidecar listening". Extra variables (MODEL_PATH, AURORA_SEED, …) go in `env`.
 */
export function startSidecar(env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunningSidecar> {
  const child = spawn(process.execPath, [sidecarMain()], {
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr?.on("data", (chunk) => stderr.push(String(chunk)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the sidecar did not start within ${timeoutMs} ms\n${stderr.join("")}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the sidecar exited with code ${code} before listening\n${stderr.join("")}`));
    });
    const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess["stdout"]> });
    lines.on("line", (line) => {
      const log = parseLog(line);
      if (log?.msg !== "aurora sidecar listening") return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const { address, port } = log.address as { address: string; port: number };
      resolve({ url: `http://${address}:${port}`, stop: () => stop(child) });
    });
  });
}

function parseLog(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the sidecar exited with code ${code}`))));
    child.kill("SIGTERM");
  });
}
