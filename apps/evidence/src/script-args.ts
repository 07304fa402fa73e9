import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The workspace root: the nearest folder up from the working directory with pnpm-workspace.yaml. */
export function workspaceRoot(command: string): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, "pnpm-workspace.yaml"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`run this from inside the Aurora workspace (${command})`);
    dir = parent;
  }
  return dir;
}

/** The value after `--name` on the command line, if given. */
export function flag(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
