import { defineConfig } from "tsup";

export default defineConfig({
  // main.ts runs the suite; child.ts runs one scenario in a fresh process (its own heap and JIT);
  // ab.ts compares two engine builds; gc-work.ts counts the garbage collector's work per pair;
  // save-pending.ts times save() with many decisions awaiting feedback.
  entry: ["src/main.ts", "src/child.ts", "src/ab.ts", "src/gc-work.ts", "src/save-pending.ts"],
  format: ["esm"],
  clean: true,
  sourcemap: true,
  target: "node20",
  keepNames: true,
});
