#!/usr/bin/env node
// Package boundaries. Fails when
//   - a leaf package depends on (declares or imports) the engine, or on another leaf other than
//     @aurora/domain, except where LEAF_EXCEPTIONS below allows it;
//   - any workspace package, app or example imports a package it does not declare in its package.json
//     (dependencies for published code; devDependencies too for tests, benchmarks, config files and
//     private apps and examples);
//   - anything imports an @aurora/* package past its public entry point (`@aurora/x/src/...`,
//     `@aurora/x/dist/...`), or reaches into another workspace directory with a relative path.
// Usage: node scripts/check-boundaries.mjs
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const ts = createRequire(join(root, "package.json"))("typescript");

// Leaves can each be installed alone: they depend on @aurora/domain and nothing else of ours.
const LEAVES = new Set([
  "@aurora/domain",
  "@aurora/strategist",
  "@aurora/executor",
  "@aurora/auditor",
  "@aurora/psi-client",
  "@aurora/simulator",
  "@aurora/evaluation",
]);
// Deliberate leaf-to-leaf dependencies: off-policy evaluation scores strategist policies.
const LEAF_EXCEPTIONS = new Map([["@aurora/evaluation", new Set(["@aurora/strategist"])]]);
const ENGINE = "@aurora/engine";
const SOURCE = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/;
const SKIP_DIRS = new Set(["node_modules", "dist", "coverage", ".turbo", "docs"]);
// Files that only run in development (tests, benchmarks, build and test configuration).
const DEV_ONLY = /(\.test\.|\.bench\.|\.config\.|(^|\/)(test|tests|bench|scripts)\/|(^|\/)testing\/)/;
const builtins = new Set(builtinModules);

const workspaces = ["packages", "apps", "examples"].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group))
        .map((name) => join(root, group, name))
        .filter((dir) => existsSync(join(dir, "package.json")))
        .map((dir) => ({ dir, group, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) }))
    : [],
);
const ourNames = new Set(workspaces.map((w) => w.manifest.name));

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name) || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) yield path;
  }
}

const packageName = (specifier) => {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
};

const problems = [];
let files = 0;
for (const { dir, group, manifest } of workspaces) {
  const name = manifest.name;
  const runtime = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const all = new Set([...runtime, ...Object.keys(manifest.devDependencies ?? {})]);
  const where = relative(root, dir);

  if (LEAVES.has(name)) {
    const allowed = new Set(["@aurora/domain", ...(LEAF_EXCEPTIONS.get(name) ?? [])]);
    for (const dep of all) {
      if (dep === ENGINE) problems.push(`${where}/package.json: leaf ${name} must not depend on ${ENGINE}`);
      else if (runtime.has(dep) && LEAVES.has(dep) && !allowed.has(dep)) {
        problems.push(`${where}/package.json: leaf ${name} must not depend on leaf ${dep} (only @aurora/domain)`);
      }
    }
  }

  for (const file of sourceFiles(dir)) {
    files++;
    const rel = relative(dir, file).split(sep).join("/");
    const devOnly = DEV_ONLY.test(rel) || !rel.includes("/");
    // Private apps and examples ship nothing to npm; their dev tools (bench.ts) may use devDependencies.
    const declared = devOnly || manifest.private ? all : runtime;
    for (const { specifier, typeOnly } of importsOf(file)) {
      const at = `${where}/${rel}: "${specifier}"`;
      if (specifier.startsWith(".")) {
        const target = resolve(dirname(file), specifier);
        if (target !== dir && !target.startsWith(dir + sep))
          problems.push(`${at} reaches outside ${where}; import the package by name`);
        continue;
      }
      if (specifier.startsWith("node:") || builtins.has(packageName(specifier))) continue;
      const dep = packageName(specifier);
      if (dep === name) continue;
      if (ourNames.has(dep) && specifier !== dep && specifier !== `${dep}/package.json` && !isExported(dep, specifier)) {
        problems.push(`${at} imports ${dep}'s internals; use its public entry point "${dep}"`);
      }
      // A type-only import of a devDependency is fine in published code: tsup inlines its types.
      if (!declared.has(dep) && !(typeOnly && all.has(dep))) {
        problems.push(
          all.has(dep) && !devOnly
            ? `${at} is only a devDependency of ${name}, but shipped code imports it`
            : `${at} is not declared in ${where}/package.json`,
        );
      }
      if (LEAVES.has(name) && group === "packages") {
        const allowed = new Set(["@aurora/domain", ...(LEAF_EXCEPTIONS.get(name) ?? [])]);
        if (dep === ENGINE) problems.push(`${at}: leaf ${name} must not import ${ENGINE}`);
        else if (!devOnly && LEAVES.has(dep) && !allowed.has(dep))
          problems.push(`${at}: leaf ${name} must not import leaf ${dep}`);
      }
    }
  }
}

/** Every module a file imports, re-exports, `import()`s or `require()`s, and whether only types are used. */
function importsOf(file) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const found = [];
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const clause = ts.isImportDeclaration(node) ? node.importClause : undefined;
      const typeOnly = ts.isImportDeclaration(node)
        ? clause !== undefined &&
          (clause.isTypeOnly ||
            (clause.name === undefined &&
              clause.namedBindings !== undefined &&
              ts.isNamedImports(clause.namedBindings) &&
              clause.namedBindings.elements.length > 0 &&
              clause.namedBindings.elements.every((e) => e.isTypeOnly)))
        : node.isTypeOnly;
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) found.push({ specifier: expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === "require";
      const isResolve =
        ts.isPropertyAccessExpression(callee) &&
        callee.name.text === "resolve" &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === "require";
      if (isImport || isRequire || isResolve) found.push({ specifier: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

// A subpath is public when the package's "exports" lists it (e.g. @aurora/simulator/scenarios/*.json).
function isExported(dep, specifier) {
  const owner = workspaces.find((w) => w.manifest.name === dep);
  const exportsField = owner?.manifest.exports;
  if (exportsField === undefined || typeof exportsField === "string") return false;
  const subpath = `.${specifier.slice(dep.length)}`;
  return Object.keys(exportsField).some((key) => {
    if (!key.includes("*")) return key === subpath;
    const [head, tail] = key.split("*");
    return subpath.startsWith(head) && subpath.endsWith(tail) && subpath.length >= head.length + tail.length;
  });
}

for (const problem of problems) console.error(`FAIL ${problem}`);
console.log(`boundaries: ${workspaces.length} workspace packages, ${files} files, ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
