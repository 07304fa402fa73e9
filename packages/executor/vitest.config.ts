import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The machine is shared and noisy: generous limits, so a slow run is not a failure (speed is benchmarked, not tested).
    testTimeout: 30_000,
    setupFiles: ["./fast-check.setup.ts"],
    hookTimeout: 30_000,
  },
});
