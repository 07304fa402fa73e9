import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * `src/main.test.ts` spawns the built `dist/main.js`; build it first when it is missing or
 * older than the sources, so `pnpm --filter @aurora/sidecar test` never tests a stale build.
 */
export default function setup(): void {
  let built = 0;
  try {
    built = statSync(join(root, "dist", "main.js")).mtimeMs;
  } catch {
    built = 0;
  }
  if (built >= newestSource(join(root, "src"))) return;
  execFileSync(join(root, "node_modules", ".bin", "tsup"), [], { cwd: root, stdio: "ignore" });
}
