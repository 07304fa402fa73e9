import type { ProviderInput } from "@aurora/engine";
import type { FastifyInstance } from "fastify";
import type { AppDependencies } from "../src/app.js";
import { buildApp } from "../src/app.js";
import type { SidecarConfig } from "../src/config.js";
import { parseConfig } from "../src/config.js";

/** The sidecar's defaults with a silent logger and a fixed exploration seed, plus `overrides`. */
export function testConfig(overrides: Partial<SidecarConfig> = {}): SidecarConfig {
  return { ...parseConfig({}), logLevel: "silent", seed: 7, ...overrides };
}

/** An app for `inject`, without Node's process metrics (they are global collectors). */
export function testApp(overrides: Partial<SidecarConfig> = {}, deps: AppDependencies = {}): FastifyInstance {
  return buildApp(testConfig(overrides), { processMetrics: false, ...deps });
}

export const PROVIDERS: ProviderInput[] = [
  {
    provider_id: "akash",
    price_usd_per_hour: 2.5,
    latency_ms: 120,
    reputation: 95,
    capacity_available: 100,
    gpu_types: ["a100", "t4"],
    regions: ["us-west", "eu-central"],
  },
  {
    provider_id: "vast",
    price_usd_per_hour: 1.9,
    latency_ms: 180,
    reputation: 88,
    capacity_available: 40,
    gpu_types: ["a100"],
    regions: ["us-west"],
  },
  {
    provider_id: "render",
    price_usd_per_hour: 3.4,
    latency_ms: 90,
    reputation: 97,
    gpu_types: ["a100", "h100"],
    regions: ["us-west"],
  },
];

export const CONTEXT = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };

export const DECIDE_BODY = {
  context: CONTEXT,
  providers: PROVIDERS,
  constraints: { max_price: 3, max_latency_ms: 300, min_reputation: 80 },
};

export function tenProviders(): ProviderInput[] {
  return Array.from({ length: 10 }, (_, i) => ({
    provider_id: `p${i}`,
    price_usd_per_hour: 1 + i * 0.25,
    latency_ms: 50 + i * 20,
    reputation: 70 + i * 3,
    gpu_types: ["a100"],
    regions: ["us-west"],
  }));
}

export const OUTCOME = { success: true, actual_cost_usd: 2.45, actual_latency_ms: 115, actual_reputation: 96 };

/** Posts JSON through `inject`. */
export function postJson(app: FastifyInstance, url: string, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: "POST",
    url,
    payload: JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });
}
