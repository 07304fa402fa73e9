import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/main.ts", "src/guardrail-evidence.ts", "src/failover-evidence.ts", "src/defaults-evidence.ts"],
  format: ["esm"],
  clean: true,
  sourcemap: true,
  target: "node20",
  keepNames: true,
});
