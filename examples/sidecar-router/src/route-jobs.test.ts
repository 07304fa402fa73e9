import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB, PROVIDERS } from "./gpu-market.js";
import { routeJobs } from "./route-jobs.js";
import { createSidecarClient, SidecarError } from "./sidecar-client.js";
import { type RunningSidecar, startSidecar } from "./sidecar-process.js";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));

describe("the sidecar router example", () => {
  let sidecar: RunningSidecar;
  beforeAll(async () => {
    sidecar = await startSidecar({
      AURORA_SEED: "42",
      AURORA_POLICY: JSON.stringify({ kind: "q-learning", gamma: 0, initialQ: 15 }),
    });
  });
  afterAll(async () => {
    await sidecar?.stop();
  });

  it("learns over HTTP to send jobs to the provider that is best in truth", async () => {
    const summary = await routeJobs(createSidecarClient(sidecar.url), 600, 7);
    expect(summary.lastHundred.akash).toBeGreaterThanOrEqual(90);
    expect(summary.lastHundred.render).toBeUndefined();
    expect(summary.meanRewardLastHundred).toBeGreaterThan(summary.meanRewardFirstHundred);
  });

  it("gets the sidecar's refusals as SidecarError with the stable error code", async () => {
    const client = createSidecarClient(sidecar.url);
    const unknown = await client
      .feedback({ decision_id: "never-given", success: true, actual_cost_usd: 1, actual_latency_ms: 100 })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(SidecarError);
    expect(unknown).toMatchObject({ status: 404, body: { error: "unknown_decision" } });

    const { metadata } = await client.decide({ context: JOB, providers: PROVIDERS });
    const outcome = { decision_id: metadata.decision_id, success: true, actual_cost_usd: 5, actual_latency_ms: 120 };
    await client.feedback(outcome);
    await expect(client.feedback(outcome)).rejects.toMatchObject({ status: 409, body: { error: "duplicate_feedback" } });
  });

  it("runs as `pnpm start`, starting and stopping its own sidecar", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: exampleDir,
      env: { ...process.env, JOBS: "200", AURORA_SIDECAR_URL: "" },
    });
    expect(stdout).toContain("(started by this example)");
    expect(stdout).toContain("Routed 200 llm_inference jobs over HTTP");
  });

  it("uses a running sidecar when AURORA_SIDECAR_URL is set", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: exampleDir,
      env: { ...process.env, JOBS: "100", AURORA_SIDECAR_URL: sidecar.url },
    });
    expect(stdout).toContain(`Aurora sidecar at ${sidecar.url}\n`);
    expect(stdout).toContain("Routed 100 llm_inference jobs over HTTP");
  });
});
