import type { Provider } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import type { DecisionRecord } from "./decision-record.js";
import { PendingLog } from "./pending-log.js";

const provider: Provider = { provider_id: "p", price_usd_per_hour: 1, latency_ms: 1, reputation: 90, gpu_types: [], regions: [] };
const record = (id: string, createdAt = 0): DecisionRecord => ({
  decision_id: id,
  state_key: "w:g:r",
  provider_id: "p",
  context: { workload_type: "w", gpu_type: "g", region: "r", gpu_hours: 1 },
  provider,
  metadata: {},
  created_at: createdAt,
});

describe("PendingLog", () => {
  it("finds records by id and lists them oldest first", () => {
    const log = new PendingLog();
    const a = record("a");
    log.add(a);
    log.add(record("b"));
    expect(log.get("a")).toBe(a);
    expect(log.has("b")).toBe(true);
    expect([...log.values()].map((r) => r.decision_id)).toEqual(["a", "b"]);
    expect(log.size).toBe(2);
  });

  it("reports the oldest record still pending, skipping removed ones", () => {
    const log = new PendingLog();
    for (const id of ["a", "b", "c"]) log.add(record(id));
    log.remove("a");
    log.remove("b");
    expect(log.oldest()?.decision_id).toBe("c");
    log.remove("c");
    expect(log.oldest()).toBeUndefined();
    expect(log.size).toBe(0);
  });

  it("does not mistake a record re-added under the same id for the removed one", () => {
    const log = new PendingLog();
    log.add(record("a", 1));
    log.add(record("b", 2));
    log.remove("a");
    const again = record("a", 3);
    log.add(again);
    expect(log.oldest()?.decision_id).toBe("b");
    log.remove("b");
    expect(log.oldest()).toBe(again);
  });

  it("keeps the order right across the compactions caused by many out-of-order removals", () => {
    const log = new PendingLog();
    for (let i = 0; i < 10_000; i++) log.add(record(`d${i}`, i));
    for (let i = 0; i < 10_000; i++) if (i % 10 !== 7) log.remove(`d${i}`);
    expect(log.size).toBe(1_000);
    expect(log.oldest()?.decision_id).toBe("d7");
    log.remove("d7");
    expect(log.oldest()?.decision_id).toBe("d17");
  });

  it("treats __proto__ and constructor as ordinary ids", () => {
    const log = new PendingLog();
    expect(log.has("__proto__")).toBe(false);
    expect(log.get("constructor")).toBeUndefined();
    log.add(record("__proto__"));
    expect(log.get("__proto__")?.decision_id).toBe("__proto__");
  });
});
