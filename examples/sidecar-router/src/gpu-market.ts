import type { DecideBody, FeedbackBody, Provider } from "./sidecar-client.js";

/** The job every request asks about. */
export const JOB: DecideBody["context"] = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };

/** What the providers advertise: all the router sees. */
export const PROVIDERS: Provider[] = [
  { provider_id: "akash", price_usd_per_hour: 2.5, latency_ms: 120, reputation: 95, gpu_types: ["a100"], regions: ["us-west"] },
  { provider_id: "ionet", price_usd_per_hour: 2.1, latency_ms: 150, reputation: 90, gpu_types: ["a100"], regions: ["us-west"] },
  { provider_id: "vast", price_usd_per_hour: 1.9, latency_ms: 180, reputation: 88, gpu_types: ["a100"], regions: ["us-west"] },
  // Fast and reputable, but over the budget below: the engine never routes here.
  { provider_id: "render", price_usd_per_hour: 3.4, latency_ms: 90, reputation: 97, gpu_types: ["a100"], regions: ["us-west"] },
];

/** The hidden truth the router has to learn: how often jobs fail there, and the latency they really see (ms). */
const HIDDEN: Record<string, { failureRate: number; latencyMs: number }> = {
  akash: { failureRate: 0.01, latencyMs: 115 },
  ionet: { failureRate: 0.1, latencyMs: 160 },
  vast: { failureRate: 0.25, latencyMs: 210 },
  render: { failureRate: 0.01, latencyMs: 85 },
};

/** Runs the job on the provider (here: a draw from its hidden truth) and reports what happened. */
export function runJob(decisionId: string, provider: Provider, rng: () => number): FeedbackBody {
  const truth = HIDDEN[provider.provider_id];
  if (truth === undefined) throw new Error(`no hidden truth for provider ${provider.provider_id}`);
  const hours = JOB.gpu_hours ?? 1;
  const latency = Math.round(truth.latencyMs * (0.9 + 0.2 * rng()));
  if (rng() < truth.failureRate) {
    return {
      decision_id: decisionId,
      success: false,
      actual_cost_usd: 0,
      actual_latency_ms: latency,
      error_reason: "job failed",
    };
  }
  return {
    decision_id: decisionId,
    success: true,
    actual_cost_usd: provider.price_usd_per_hour * hours,
    actual_latency_ms: latency,
  };
}
