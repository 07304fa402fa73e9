import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { routeJobs } from "./route-jobs.js";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));

describe("the engine router example", () => {
  it("learns to send jobs to the provider that is best in truth, not the cheapest", async () => {
    const summary = await routeJobs({ jobs: 1000, seed: 42, marketSeed: 7 });
    expect(summary.lastHundred.akash).toBeGreaterThanOrEqual(90);
    const estimate = (id: string) => summary.learned.find((c) => c.provider_id === id)?.estimate ?? Number.NaN;
    expect(estimate("akash")).toBeGreaterThan(estimate("ionet"));
    expect(estimate("akash")).toBeGreaterThan(estimate("vast"));
    expect(summary.meanRewardLastHundred).toBeGreaterThan(summary.meanRewardFirstHundred);
  });

  it("never routes to the provider over budget", async () => {
    const summary = await routeJobs({ jobs: 200, seed: 1, marketSeed: 2 });
    expect(summary.lastHundred.render).toBeUndefined();
    expect(summary.learned.find((c) => c.provider_id === "render")?.note).toBe("never routed: price_exceeded");
  });

  it("gives the same run for the same seeds", async () => {
    const first = await routeJobs({ jobs: 300, seed: 3, marketSeed: 4 });
    const second = await routeJobs({ jobs: 300, seed: 3, marketSeed: 4 });
    expect(second).toEqual(first);
  });

  it("runs as `pnpm start` and prints what it learned", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: exampleDir,
      env: { ...process.env, JOBS: "300" },
    });
    expect(stdout).toContain("Routed 300 llm_inference jobs");
    expect(stdout).toMatch(/akash +\d+\.\d\d {2}chosen next/);
    expect(stdout).toContain("render        —  never routed: price_exceeded");
  });
});
