import type { Provider } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import type { SettledDecision } from "./settled-decision.js";
import { SettledOutbox } from "./settled-outbox.js";

const provider: Provider = { provider_id: "p", price_usd_per_hour: 1, latency_ms: 1, reputation: 90, gpu_types: [], regions: [] };
const settled = (id: string): SettledDecision => ({
  record: {
    decision_id: id,
    state_key: "w:g:r",
    provider_id: "p",
    context: { workload_type: "w", gpu_type: "g", region: "r", gpu_hours: 1 },
    provider,
    metadata: {},
    created_at: 0,
  },
  reason: "expired",
  settled_at: 1,
});
const ids = (list: readonly SettledDecision[]) => list.map((s) => s.record.decision_id);

describe("SettledOutbox", () => {
  it("hands out what it holds oldest first, once", () => {
    const outbox = new SettledOutbox(10);
    outbox.push(settled("a"));
    outbox.push(settled("b"));
    expect(ids(outbox.drain())).toEqual(["a", "b"]);
    expect(outbox.drain()).toEqual([]);
    expect(outbox.size).toBe(0);
  });

  it("drops the oldest past its capacity and counts them", () => {
    const outbox = new SettledOutbox(3);
    for (let i = 0; i < 10; i++) outbox.push(settled(`d${i}`));
    expect(outbox.size).toBe(3);
    expect(outbox.dropped).toBe(7);
    expect(ids(outbox.drain())).toEqual(["d7", "d8", "d9"]);
  });

  it("keeps order across many drops and drains", () => {
    const outbox = new SettledOutbox(5);
    const handed: string[] = [];
    for (let i = 0; i < 1000; i++) {
      outbox.push(settled(`d${i}`));
      if (i % 7 === 6) handed.push(...ids(outbox.drain()));
    }
    handed.push(...ids(outbox.drain()));
    const numbers = handed.map((id) => Number(id.slice(1)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(handed.length + outbox.dropped).toBe(1000);
  });
});
