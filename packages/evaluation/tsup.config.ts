import { defineConfig } from "tsup";

export default defineConfig({
  // bin.ts is the aurora-ope command (esbuild keeps its #! line); only the library gets types.
  entry: { index: "src/index.ts", bin: "src/bin.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts" } },
  clean: true,
  sourcemap: true,
  target: "node20",
  keepNames: true,
});
