import type { Constraints, Context, Provider } from "@aurora/domain";
import { bench, describe } from "vitest";
import { Auditor, checkConstraints, partitionCandidates } from "../src/index.js";

const providers: Provider[] = Array.from({ length: 10 }, (_, i) => ({
  provider_id: `provider-${i}`,
  price_usd_per_hour: 1 + i * 0.5,
  latency_ms: 50 + i * 30,
  reputation: 70 + i * 3,
  capacity_available: i % 3 === 0 ? null : 100,
  gpu_types: ["a100", "h100"],
  regions: ["us-west", "eu-central"],
}));
const context: Context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };
const constraints: Constraints = {
  max_price: 4,
  max_latency_ms: 250,
  min_reputation: 75,
  region: "us-west",
  gpu_type: "a100",
  gpu_hours: 5,
  max_cost_usd: 8,
};
const withLists: Constraints = { ...constraints, allow: providers.map((p) => p.provider_id), deny: ["provider-3"] };
const ids = Array.from({ length: 1 << 16 }, (_, i) => `decision-${i}`);

describe("constraints, 10 candidates", () => {
  bench("partitionCandidates, no constraints", () => {
    partitionCandidates(providers, undefined, context);
  });
  bench("partitionCandidates, 7 constraints", () => {
    partitionCandidates(providers, constraints, context);
  });
  bench("partitionCandidates, 7 constraints + allow (10 ids) + deny", () => {
    partitionCandidates(providers, withLists, context);
  });
  bench("checkConstraints, one provider", () => {
    checkConstraints(providers[4] as Provider, constraints, context);
  });
});

describe("audit trail", () => {
  let i = 0;
  const approved = new Auditor();
  bench("record, approved", () => {
    approved.record({
      decision_id: ids[i++ & 0xffff] as string,
      state_key: "llm_inference:a100:us-west",
      provider_id: "provider-1",
      violations: [],
    });
  });
  const flagged = new Auditor();
  bench("record, flagged with 2 violations and a note", () => {
    flagged.record({
      decision_id: ids[i++ & 0xffff] as string,
      state_key: "llm_inference:a100:us-west",
      provider_id: "provider-1",
      violations: ["price_exceeded", "cost_exceeded"],
      notes: ["no compliant provider"],
    });
  });
  let q = 0;
  const learner = new Auditor();
  bench("observeUpdate", () => {
    const n = i++;
    const before = q;
    q += 0.1 * ((n % 13 === 0 ? -20 : 8) - q);
    learner.observeUpdate({
      decision_id: ids[n & 0xffff] as string,
      state_key: "llm_inference:a100:us-west",
      provider_id: `provider-${n % 10}`,
      before,
      after: q,
      success: n % 13 !== 0,
      reward: 8,
    });
  });
});
