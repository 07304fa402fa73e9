import { JOB } from "./gpu-market.js";
import { routeJobs } from "./route-jobs.js";

const jobs = Number(process.env.JOBS ?? 1000);
const summary = await routeJobs({ jobs, seed: 42, marketSeed: 7 });

const share = Object.entries(summary.lastHundred)
  .sort(([, a], [, b]) => b - a)
  .map(([id, n]) => `${id} ${n}%`)
  .join(", ");
console.log(
  `Routed ${summary.jobs} ${JOB.workload_type} jobs (${JOB.gpu_type}, ${JOB.region}, ${JOB.gpu_hours} GPU hours each).`,
);
console.log(`Last 100 jobs went to: ${share}`);
console.log(
  `Mean reward: first 100 jobs ${summary.meanRewardFirstHundred.toFixed(2)}, last 100 jobs ${summary.meanRewardLastHundred.toFixed(2)}`,
);
console.log("What it learned (estimated reward per job):");
for (const { provider_id, estimate, note } of summary.learned) {
  console.log(`  ${provider_id.padEnd(8)} ${estimate === null ? "     —" : estimate.toFixed(2).padStart(6)}  ${note}`.trimEnd());
}
console.log(`Exploration rate ε is now ${summary.epsilon.toFixed(3)}.`);
