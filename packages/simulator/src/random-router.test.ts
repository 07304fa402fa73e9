import { createRng, type Provider } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { randomRouter } from "./random-router.js";
import type { SimRequest } from "./sim-router.js";

const provider = (id: string, price: number): Provider => ({
  provider_id: id,
  price_usd_per_hour: price,
  latency_ms: 100,
  reputation: 80,
  gpu_types: ["a100"],
  regions: ["us-west"],
});
const request: SimRequest = {
  context: { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 1 },
  providers: [provider("a", 1), provider("dear", 9), provider("b", 2), provider("c", 3)],
  constraints: { max_price: 5 },
};

describe("randomRouter", () => {
  it("picks uniformly among the compliant providers only", () => {
    const router = randomRouter({ rng: createRng(1) });
    const counts = new Map<string | null, number>();
    for (let i = 0; i < 3000; i++) {
      const { provider_id } = router.decide(request, i);
      counts.set(provider_id, (counts.get(provider_id) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["a", "b", "c"]);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(900);
      expect(n).toBeLessThan(1100);
    }
  });

  it("makes no decision when nothing complies", () => {
    expect(randomRouter({ rng: createRng(1) }).decide({ ...request, constraints: { max_price: 0.5 } }, 0)).toEqual({
      provider_id: null,
    });
  });

  it("repeats itself for the same seed", () => {
    const picks = (seed: number) => {
      const router = randomRouter({ rng: createRng(seed) });
      return Array.from({ length: 20 }, (_, i) => router.decide(request, i).provider_id);
    };
    expect(picks(3)).toEqual(picks(3));
    expect(picks(3)).not.toEqual(picks(4));
  });
});
