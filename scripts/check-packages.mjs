#!/usr/bin/env node
// Checks that every public package under packages/ is something a stranger can install and use:
//   1. `pnpm pack` (workspace: ranges must come out as real ranges; README.md must be in the tarball),
//   2. publint --strict and @arethetypeswrong/cli on that same tarball,
//   3. an empty npm project OUTSIDE the workspace installs the tarball together with the tarballs of its
//      internal @aurora/* dependencies (third-party dependencies come from the registry), then
//      `import` and `require` both load it and agree on its names, and `tsc` type-checks a small file
//      that uses every runtime export through the package's types, under moduleResolution node16
//      (an ESM and a CJS file) and bundler.
// Usage: node scripts/check-packages.mjs [--no-build] [--keep] [name-or-dir ...]
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const args = process.argv.slice(2);
const keep = args.includes("--keep");
const build = !args.includes("--no-build");
const only = args.filter((a) => !a.startsWith("--"));
const bin = (name) => join(root, "node_modules", ".bin", name);
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const CONCURRENCY = 2;

async function sh(file, argv, options = {}) {
  try {
    return await run(file, argv, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" }, ...options });
  } catch (error) {
    const output = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim();
    throw new Error(
      `\`${[file, ...argv].map((a) => (a.startsWith(`${root}/`) ? relative(root, a) : a)).join(" ")}\` failed:\n${indent(output || error.message)}`,
    );
  }
}

const indent = (text) =>
  text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");

async function pool(items, size, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
}

const packages = readdirSync(join(root, "packages"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => {
    const dir = join(root, "packages", entry.name);
    try {
      return { dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) };
    } catch {
      return undefined;
    }
  })
  .filter((pkg) => pkg !== undefined && !pkg.manifest.private)
  .filter((pkg) => only.length === 0 || only.some((o) => o === pkg.manifest.name || pkg.dir.endsWith(`/${o}`)));
const byName = new Map(packages.map((pkg) => [pkg.manifest.name, pkg]));

if (build) {
  const filters = packages.flatMap((pkg) => ["--filter", `${pkg.manifest.name}...`]);
  await sh(bin("turbo"), ["run", "build", ...filters, "--output-logs=errors-only"], { cwd: root });
}

const work = mkdtempSync(join(tmpdir(), "aurora-check-packages-"));
const tarballDir = join(work, "tarballs");
mkdirSync(tarballDir);
const started = Date.now();

// 1. Pack every package (and every internal dependency it needs, even when filtered out above).
const allPackages = readdirSync(join(root, "packages")).flatMap((name) => {
  try {
    const dir = join(root, "packages", name);
    return [{ dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }];
  } catch {
    return [];
  }
});
const allByName = new Map(allPackages.map((pkg) => [pkg.manifest.name, pkg]));
const internalDeps = (manifest) => Object.keys(manifest.dependencies ?? {}).filter((dep) => allByName.has(dep));
const closure = (name, seen = new Set()) => {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const dep of internalDeps(allByName.get(name).manifest)) closure(dep, seen);
  return seen;
};
const toPack = new Set(packages.flatMap((pkg) => [...closure(pkg.manifest.name)]));
const tarballs = new Map();
const packErrors = new Map();
await pool([...toPack], CONCURRENCY, async (name) => {
  try {
    const { stdout } = await sh("pnpm", ["pack", "--pack-destination", tarballDir], { cwd: allByName.get(name).dir });
    const tgz = stdout
      .trim()
      .split("\n")
      .map((line) => line.trim())
      .findLast((line) => line.endsWith(".tgz"));
    if (tgz === undefined) throw new Error(`pnpm pack printed no tarball:\n${indent(stdout)}`);
    tarballs.set(name, tgz);
  } catch (error) {
    packErrors.set(name, error.message);
  }
});

async function checkPackage({ manifest }) {
  const name = manifest.name;
  const steps = [];
  for (const dep of closure(name)) {
    if (packErrors.has(dep)) throw new Error(`${dep === name ? "" : `its dependency ${dep}: `}${packErrors.get(dep)}`);
  }
  const tgz = tarballs.get(name);

  // What pnpm actually packed: real ranges instead of workspace:, and a README to read.
  const { stdout: listing } = await sh("tar", ["-tzf", tgz]);
  const problems = [];
  if (!listing.split("\n").includes("package/README.md")) problems.push("the tarball has no README.md");
  const packed = JSON.parse((await sh("tar", ["-xzOf", tgz, "package/package.json"])).stdout);
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    for (const [dep, range] of Object.entries(packed[field] ?? {})) {
      if (/^(workspace|link|file):/.test(range)) problems.push(`packed ${field}.${dep} is "${range}", not a real range`);
    }
  }
  steps.push("pack");

  // Findings here are collected, and the install and load checks still run.
  const lint = async (label, file, argv) => {
    try {
      await sh(bin(file), argv, { cwd: root });
      steps.push(label);
    } catch (error) {
      problems.push(error.message);
    }
  };
  await lint("publint --strict", "publint", ["run", tgz, "--strict"]);
  await lint("attw", "attw", [tgz, "--format", "ascii", "--no-color", "--no-emoji"]);

  // An empty npm project outside the workspace, with the package and its internal dependencies' tarballs.
  const project = join(work, name.replace("/", "__"));
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true, version: "0.0.0" }, null, 2)}\n`,
  );
  const needed = [...closure(name)].map((dep) => tarballs.get(dep));
  await sh(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--ignore-scripts",
      "--loglevel=error",
      ...needed,
      "@types/node@20",
    ],
    { cwd: project },
  );
  steps.push(`npm install (${needed.length} tarball${needed.length === 1 ? "" : "s"})`);

  // Each entry point with code: "." and subpaths such as "./testing" (not "./package.json" or "./x/*.json").
  const entries = Object.entries(typeof packed.exports === "object" ? packed.exports : { ".": packed.exports })
    .filter(([subpath, target]) => !subpath.includes("*") && !subpath.endsWith(".json") && typeof target === "object")
    .map(([subpath]) => `${name}${subpath.slice(1)}`);
  const optionalPeers = Object.keys(packed.peerDependenciesMeta ?? {}).filter((p) => packed.peerDependenciesMeta[p]?.optional);
  const loaded = [];
  const skipped = [];
  for (const [index, spec] of entries.entries()) {
    const load = async (file, code) => {
      writeFileSync(join(project, file), code);
      const result = await run(process.execPath, [file], { cwd: project }).catch((error) => error);
      if (result instanceof Error) {
        const missing = /Cannot find (?:module|package) '([^']+)'/.exec(String(result.stderr))?.[1];
        if (missing !== undefined && optionalPeers.includes(missing)) return { needs: missing };
        throw new Error(`loading ${spec} (${file}) failed:\n${indent(String(result.stderr).trim())}`);
      }
      return { names: JSON.parse(result.stdout) };
    };
    const list = "Object.entries(m).filter(([k]) => k !== '__esModule').map(([k, v]) => [k, typeof v]).sort()";
    const esm = await load(
      `load-${index}.mjs`,
      `const m = await import(${JSON.stringify(spec)});\nconsole.log(JSON.stringify(${list}));\n`,
    );
    const cjs = await load(
      `load-${index}.cjs`,
      `const m = require(${JSON.stringify(spec)});\nconsole.log(JSON.stringify(${list}));\n`,
    );
    if (esm.needs !== undefined || cjs.needs !== undefined) {
      skipped.push(`${spec} needs optional peer ${esm.needs ?? cjs.needs}`);
      continue;
    }
    if (esm.names.length === 0) throw new Error(`import ${spec} gives no exports`);
    if (JSON.stringify(esm.names) !== JSON.stringify(cjs.names)) {
      throw new Error(
        `import and require of ${spec} disagree:\n  import:  ${JSON.stringify(esm.names)}\n  require: ${JSON.stringify(cjs.names)}`,
      );
    }
    loaded.push({ spec, names: esm.names.map(([k]) => k) });
  }
  if (loaded.length === 0) throw new Error("no entry point loads");
  steps.push(`import+require (${loaded.map((e) => `${e.spec}: ${e.names.length} names`).join(", ")})`);
  if (skipped.length > 0) steps.push(`not loaded: ${skipped.join(", ")}`);

  // Every runtime name must be declared by the types, whichever way TypeScript resolves the package.
  const body = (importLine) =>
    loaded
      .map(({ spec, names }, i) => {
        const binding = `entry${i}`;
        return `${importLine(binding, JSON.stringify(spec))}\nexport const names${i}: Array<keyof typeof ${binding}> = ${JSON.stringify(names)};\n`;
      })
      .join("");
  writeFileSync(
    join(project, "esm.mts"),
    body((b, s) => `import * as ${b} from ${s};`),
  );
  writeFileSync(
    join(project, "cjs.cts"),
    body((b, s) => `import ${b} = require(${s});`),
  );
  writeFileSync(
    join(project, "bundler.ts"),
    body((b, s) => `import * as ${b} from ${s};`),
  );
  // skipLibCheck as most consumers have it: checking zod's declarations costs ~5 s a run; attw checks ours.
  const compilerOptions = { strict: true, noEmit: true, skipLibCheck: true, target: "ES2022", lib: ["ES2023"], types: ["node"] };
  const configs = {
    node16: { module: "node16", moduleResolution: "node16", files: ["esm.mts", "cjs.cts"] },
    bundler: { module: "esnext", moduleResolution: "bundler", files: ["bundler.ts"] },
  };
  for (const [label, { files, ...options }] of Object.entries(configs)) {
    writeFileSync(
      join(project, `tsconfig.${label}.json`),
      JSON.stringify({ compilerOptions: { ...compilerOptions, ...options }, files }),
    );
    await sh(process.execPath, [tsc, "-p", `tsconfig.${label}.json`], { cwd: project });
  }
  steps.push(`tsc (${Object.keys(configs).join(", ")})`);
  if (problems.length > 0) throw new Error(`${problems.join("\n")}\n  (passed: ${steps.join(", ")})`);
  return steps;
}

let passed = 0;
let failed = 0;
await pool(packages, CONCURRENCY, async (pkg) => {
  try {
    const steps = await checkPackage(pkg);
    passed++;
    console.log(`ok   ${pkg.manifest.name}: ${steps.join(", ")}`);
  } catch (error) {
    failed++;
    console.error(`FAIL ${pkg.manifest.name}: ${error.message}`);
  }
});

if (keep) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
console.log(`checked in ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`packages: ${passed} passed, ${failed} failed`);
if (byName.size === 0) {
  console.error("no package matched");
  process.exit(1);
}
process.exit(failed === 0 ? 0 : 1);
