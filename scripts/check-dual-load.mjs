#!/usr/bin/env node
// Loads every built package under packages/ with both `import` and `require`, from a
// separate Node process each, and checks that the public names agree.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
let failed = 0;
for (const dir of readdirSync(join(root, "packages"))) {
  const pkgDir = join(root, "packages", dir);
  const { name } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const run = (code) =>
    execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: pkgDir, encoding: "utf8" }).trim();
  try {
    const esm = run(`const m = await import(${JSON.stringify(name)}); console.log(Object.keys(m).sort().join(","));`);
    const cjs = run(
      `import { createRequire } from "node:module"; const m = createRequire(process.cwd() + "/")(${JSON.stringify(name)}); console.log(Object.keys(m).filter(k => k !== "__esModule").sort().join(","));`,
    );
    if (esm !== cjs) throw new Error(`import and require disagree:\n  import:  ${esm}\n  require: ${cjs}`);
    if (esm === "") throw new Error("exports nothing");
    console.log(`ok ${name}: ${esm.split(",").length} exports by import and require`);
  } catch (error) {
    failed++;
    console.error(`FAIL ${name}: ${error.message}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
