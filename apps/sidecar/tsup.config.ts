import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/main.ts", "src/bench.ts"],
  format: ["esm"],
  clean: true,
  sourcemap: true,
  target: "node20",
  // Resolved from node_modules at run time: autocannon loads its own worker files.
  external: ["autocannon"],
  keepNames: true,
});
