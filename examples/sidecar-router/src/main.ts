import { JOB } from "./gpu-market.js";
import { routeJobs } from "./route-jobs.js";
import { createSidecarClient } from "./sidecar-client.js";
import { type RunningSidecar, startSidecar } from "./sidecar-process.js";

// AURORA_SIDECAR_URL: use a sidecar that is already running; otherwise start the built one.
const given = process.env.AURORA_SIDECAR_URL || undefined;
const jobs = Number(process.env.JOBS ?? 1000);

const sidecar: RunningSidecar | undefined =
  given === undefined
    ? await startSidecar({
        AURORA_SEED: "42",
        // γ = 0: estimates track mean rewards; initialQ above any reward: every provider gets tried first.
        AURORA_POLICY: JSON.stringify({ kind: "q-learning", gamma: 0, initialQ: 15 }),
      })
    : undefined;
const url = given ?? (sidecar as RunningSidecar).url;
try {
  console.log(`Aurora sidecar at ${url}${sidecar === undefined ? "" : " (started by this example)"}`);
  const summary = await routeJobs(createSidecarClient(url, process.env.AURORA_API_TOKEN), jobs, 7);
  const share = Object.entries(summary.lastHundred)
    .sort(([, a], [, b]) => b - a)
    .map(([id, n]) => `${id} ${n}%`)
    .join(", ");
  console.log(`Routed ${summary.jobs} ${JOB.workload_type} jobs over HTTP (POST /decide, POST /feedback).`);
  console.log(`Last 100 jobs went to: ${share}`);
  console.log(
    `Mean reward: first 100 jobs ${summary.meanRewardFirstHundred.toFixed(2)}, last 100 jobs ${summary.meanRewardLastHundred.toFixed(2)}`,
  );
  console.log(`Exploration rate ε is now ${summary.epsilon.toFixed(3)}.`);
} finally {
  await sidecar?.stop();
}
