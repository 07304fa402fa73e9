import type { PolicyConfig } from "@aurora/strategist";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { JournalEventEncoder } from "./event-codec.js";
import { outcomeEventJson, storedRecordJson } from "./event-json.js";
import type { EngineEvent } from "./routing-engine.js";
import { RoutingEngine } from "./routing-engine.js";

/** What the journal stores of a record, written by the runtime's own serializer. */
function expectedRecordJson(record: Record<string, unknown>): string {
  const { provider: _provider, alternatives: _alternatives, ...rest } = record;
  return JSON.stringify(rest);
}

const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 24 }),
  fc.string({ unit: fc.constantFrom("a", '"', "\\", "\n", "\u0000", "\u2028", "\ud800", "é", "🦄"), maxLength: 8 }),
);
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 5e-324, 0.1 + 0.2),
);
const nullableNumber = fc.option(number, { nil: null });

// fc.record keeps its model's key order, which is the order the engine writes.
const alternative = fc.record({ provider_id: text, estimate: number });
const metadata = fc
  .record(
    {
      decision_id: text,
      mode: fc.constantFrom("exploit", "explore", "none"),
      q_value: nullableNumber,
      epsilon: number,
      state_key: text,
      validated: fc.boolean(),
      violations: fc.array(fc.constantFrom("max_price", "min_reputation"), { maxLength: 2 }),
      psi_adjusted: fc.boolean(),
      psi_density: nullableNumber,
      psi_source: fc.option(fc.constantFrom("request", "cache", "live"), { nil: null }),
      probability: nullableNumber,
      policy: text,
      candidate_count: fc.nat(),
      compliant_count: fc.nat(),
      alternatives: fc.array(alternative, { maxLength: 4 }),
      arm: text,
    },
    { requiredKeys: [] as never[] },
  )
  .map((m) => {
    // Every field but `arm` is always there: the optional key set above only serves `arm`.
    const full = {
      decision_id: "",
      mode: "exploit",
      q_value: null,
      epsilon: 0,
      state_key: "",
      validated: true,
      violations: [],
      psi_adjusted: false,
      psi_density: null,
      psi_source: null,
      probability: null,
      policy: "",
      candidate_count: 0,
      compliant_count: 0,
      alternatives: [],
      ...m,
    } as Record<string, unknown>;
    if (!("arm" in m)) delete full.arm;
    return full;
  });
const flatValue = fc.oneof(text, number, fc.boolean(), fc.constant(null), fc.constant(undefined));
const contextArb = fc.oneof(
  fc.record({ workload_type: text, gpu_type: text, region: text, gpu_hours: number }),
  fc.dictionary(text, flatValue, { maxKeys: 6 }),
);
const provider = { provider_id: "p0", price_usd_per_hour: 2, latency_ms: 80, reputation: 90 };
const record = fc
  .record({
    decision_id: text,
    state_key: text,
    provider_id: text,
    context: contextArb,
    provider: fc.constant(provider),
    metadata,
    created_at: number,
  })
  .chain((r) =>
    fc.option(fc.constant([provider]), { nil: undefined }).map((alternatives) => (alternatives ? { ...r, alternatives } : r)),
  );

/** Ways a record can differ from the engine's shape; each must still be written as JSON.stringify would. */
const perturbation = fc.constantFrom(
  (r: Record<string, unknown>) => ({ ...r, extra: { nested: [1, "two"] } }),
  (r: Record<string, unknown>) => ({ metadata: r.metadata, ...r }),
  (r: Record<string, unknown>) => ({ ...r, metadata: { ...(r.metadata as object), candidates: [{ provider_id: "p1" }] } }),
  (r: Record<string, unknown>) => ({ ...r, metadata: { reason: "no candidates", ...(r.metadata as object) } }),
  (r: Record<string, unknown>) => ({ ...r, metadata: { ...(r.metadata as object), q_value: "high" } }),
  (r: Record<string, unknown>) => ({ ...r, metadata: { ...(r.metadata as object), epsilon: undefined } }),
  (r: Record<string, unknown>) => ({
    ...r,
    metadata: { ...(r.metadata as object), alternatives: [{ estimate: 1, provider_id: "p" }] },
  }),
  (r: Record<string, unknown>) => ({
    ...r,
    metadata: { ...(r.metadata as object), alternatives: [{ provider_id: "p", estimate: 1, x: 2 }] },
  }),
  (r: Record<string, unknown>) => ({ ...r, context: { ...(r.context as object), when: new Date(0) } }),
  (r: Record<string, unknown>) => ({ ...r, context: { ...(r.context as object), toJSON: () => "ctx" } }),
  (r: Record<string, unknown>) => ({ ...r, context: Object.assign(Object.create(null), r.context) }),
  (r: Record<string, unknown>) => ({ ...r, metadata: Object.assign(Object.create({ inherited: 1 }), r.metadata) }),
  (r: Record<string, unknown>) => ({ ...r, created_at: "yesterday" }),
  (r: Record<string, unknown>) => {
    const { state_key: _key, ...rest } = r;
    return rest;
  },
);

describe("storedRecordJson", () => {
  it("writes exactly what JSON.stringify writes of the stored record, for the engine's shape (property)", () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(storedRecordJson(r)).toBe(expectedRecordJson(r));
      }),
      { numRuns: 1_000 },
    );
  });

  it("hands any other shape to JSON.stringify, so no field is dropped or reordered (property)", () => {
    fc.assert(
      fc.property(record, perturbation, (r, perturb) => {
        const changed = perturb(r);
        expect(storedRecordJson(changed)).toBe(expectedRecordJson(changed));
      }),
      { numRuns: 1_000 },
    );
  });

  it("writes only own keys even when Object.prototype has gained an enumerable one", () => {
    const [r] = fc.sample(record, { seed: 11, numRuns: 1 }) as Record<string, unknown>[];
    const event = {
      type: "outcome",
      decision_id: "d",
      outcome: { decision_id: "d", success: true },
      provider_id: "p",
      reward: 1,
      before: 0,
      after: 0.1,
      at: 5,
    };
    Object.defineProperty(Object.prototype, "polluted", { value: 1, enumerable: true, configurable: true, writable: true });
    try {
      expect(storedRecordJson(r!)).toBe(expectedRecordJson(r!));
      expect(outcomeEventJson(event)).toBe(JSON.stringify(event));
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });

  it("writes a metadata field added later rather than dropping it", () => {
    const r = fc.sample(record, { seed: 7, numRuns: 1 })[0] as Record<string, unknown>;
    const changed = { ...r, metadata: { ...(r.metadata as object), model_version: 12 } };
    expect(JSON.parse(storedRecordJson(changed)).metadata.model_version).toBe(12);
  });
});

const outcomeEvent = fc.record({
  type: fc.constant("outcome"),
  decision_id: text,
  outcome: fc.oneof(
    fc.record(
      {
        decision_id: text,
        success: fc.boolean(),
        actual_cost_usd: number,
        actual_latency_ms: number,
        actual_reputation: number,
        error_reason: text,
      },
      { requiredKeys: ["decision_id", "success"] },
    ),
    fc.dictionary(text, flatValue, { maxKeys: 6 }),
    fc.constant({ decision_id: "d", success: true, detail: { nested: true } }),
  ),
  provider_id: text,
  reward: number,
  before: number,
  after: number,
  at: number,
});

describe("outcomeEventJson", () => {
  it("writes exactly what JSON.stringify writes of an outcome event (property)", () => {
    fc.assert(
      fc.property(outcomeEvent, (event) => {
        expect(outcomeEventJson(event)).toBe(JSON.stringify(event));
      }),
      { numRuns: 1_000 },
    );
  });

  it("hands an event of another shape to JSON.stringify", () => {
    const event = { type: "outcome", decision_id: "d", outcome: {}, provider_id: "p", reward: 1, before: 0, after: 0.1, at: 5 };
    for (const changed of [
      { ...event, extra: [1] },
      { decision_id: "d", type: "outcome", outcome: {}, provider_id: "p", reward: 1, before: 0, after: 0.1, at: 5 },
      { ...event, reward: "1" },
      { ...event, at: undefined },
    ]) {
      expect(outcomeEventJson(changed)).toBe(JSON.stringify(changed));
    }
  });
});

describe("JournalEventEncoder with the engine's own events", () => {
  it("writes the lines JSON.stringify of the stored events would, for plain, A/B-tagged and Ψ-adjusted decisions and outcomes", async () => {
    const events: EngineEvent[] = [];
    const policies: PolicyConfig[] = [
      { kind: "q-learning" },
      {
        kind: "ab",
        arms: [
          { name: "a", share: 0.5, policy: { kind: "lin-ucb" } },
          { name: "b", share: 0.5, policy: { kind: "rule" } },
        ],
      },
    ];
    for (const policy of policies) {
      const engine = new RoutingEngine({ seed: 3, policy, onEvent: (event) => events.push(event) });
      const providers = market(4);
      for (let i = 0; i < 6; i++) {
        const d = engine.decide({
          context,
          providers,
          constraints: { max_price: 3 },
          ...(i % 2 === 1 ? { psi_metrics: { density: 0.4 } } : {}),
        });
        await engine.feedback({
          decision_id: d.metadata.decision_id,
          success: i !== 2,
          actual_cost_usd: 1.5,
          actual_latency_ms: 80,
        });
      }
      await engine.close();
    }
    const kinds = new Set(events.map((e) => e.type));
    expect(kinds).toEqual(new Set(["decision", "outcome"]));
    const metadata = events.flatMap((e) => (e.type === "decision" ? [e.record.metadata] : []));
    expect(metadata.some((m) => "arm" in m)).toBe(true);
    expect(metadata.some((m) => m.psi_adjusted === true)).toBe(true);
    const encoder = new JournalEventEncoder();
    for (const event of events) {
      const line = encoder.encode(event);
      const stored = JSON.parse(line) as Record<string, unknown>;
      if (event.type === "outcome") {
        expect(line).toBe(JSON.stringify(event));
      } else {
        const { record } = event as unknown as { record: Record<string, unknown> };
        const rest = expectedRecordJson(record);
        expect(line.startsWith(`{"type":"decision","record":${rest},`)).toBe(true);
        expect(JSON.stringify(stored.record)).toBe(rest);
      }
    }
  });
});
