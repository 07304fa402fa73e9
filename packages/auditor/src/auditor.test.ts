import type { Context, Provider, ViolationType } from "@aurora/domain";
import { ManualClock, ValidationError } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import type { Anomaly } from "./anomaly.js";
import type { AuditEntry } from "./audit-entry.js";
import type { RecordedAudit } from "./auditor.js";
import { Auditor } from "./auditor.js";
import type { AuditorOptions } from "./auditor-options.js";
import { simulatedUpdates } from "./testing/simulated-updates.js";

const START = Date.UTC(2025, 5, 1, 12, 0, 0, 0);
const context: Context = { workload_type: "llm_inference", gpu_type: "a100", region: "us-west", gpu_hours: 2 };
const provider: Provider = {
  provider_id: "akash",
  price_usd_per_hour: 2.5,
  latency_ms: 120,
  reputation: 90,
  capacity_available: null,
  gpu_types: ["a100"],
  regions: ["us-west"],
};

function auditor(options: AuditorOptions = {}) {
  const clock = new ManualClock(START);
  return { clock, auditor: new Auditor({ clock, ...options }) };
}

const decision = (i: number, violations: ViolationType[] = [], provider_id: string | null = "akash") => ({
  decision_id: `d${i}`,
  state_key: "llm_inference:a100:us-west",
  provider_id,
  violations,
});

function validationField(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error("expected a ValidationError");
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("Auditor", () => {
  describe("record", () => {
    it("records one entry with the clock's time as ISO text", () => {
      const { auditor: a } = auditor();
      expect(a.record({ ...decision(1), notes: ["exploit"] })).toEqual({
        timestamp: "2025-06-01T12:00:00.000Z",
        decision_id: "d1",
        state_key: "llm_inference:a100:us-west",
        provider_id: "akash",
        status: "approved",
        violations: [],
        notes: ["exploit"],
      });
    });

    it("stamps the entry with `at` when given (the caller's clock read), not the clock's time", () => {
      const { auditor: a, clock } = auditor();
      const entry = a.record({ ...decision(1), at: START + 5_250 });
      expect(entry.timestamp).toBe("2025-06-01T12:00:05.250Z");
      clock.advance(1_000);
      expect(a.record(decision(2)).timestamp).toBe("2025-06-01T12:00:01.000Z");
    });

    it.each([NaN, Infinity, "2025-06-01", null, 1e20, -8.64e15 - 1])(
      "refuses `at` = %s, naming the field, and records nothing",
      (at) => {
        const { auditor: a } = auditor();
        expect(validationField(() => a.record({ ...decision(1), at: at as number }))).toBe("at");
        expect(a.getAuditTrail()).toEqual([]);
      },
    );

    it("stamps the entry with `at` at either end of a Date's range", () => {
      const { auditor: a } = auditor();
      expect(a.record({ ...decision(1), at: 8.64e15 }).timestamp).toBe("+275760-09-13T00:00:00.000Z");
      expect(a.record({ ...decision(2), at: -8.64e15 }).timestamp).toBe("-271821-04-20T00:00:00.000Z");
    });

    it.each([9e15, Number.NaN])("refuses a clock that reads %s, naming options.clock, and records nothing", (now) => {
      const a = new Auditor({ clock: { now: () => now } });
      const error = thrownBy(() => a.record(decision(1)));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe("options.clock");
      expect((error as ValidationError).message).toBe(
        `options.clock: now() returned ${now}: it must return epoch milliseconds from −8.64e15 to 8.64e15 (a Date's range)`,
      );
      expect(a.stats().total_entries).toBe(0);
      const anomaly = {
        kind: "q_value_spike",
        decision_id: "d1",
        state_key: "s",
        provider_id: "akash",
        note: "",
        value: 1,
        threshold: 0,
      } as const;
      expect(validationField(() => a.flagAnomaly(anomaly))).toBe("options.clock");
    });

    it.each([
      [false, [], "akash", "approved"],
      [false, ["price_exceeded"], "akash", "flagged"],
      [false, [], null, "rejected"],
      [true, [], "akash", "approved"],
      [true, ["price_exceeded"], "akash", "rejected"],
      [true, [], null, "rejected"],
    ] as const)(
      "in strictMode %s, with violations %j and provider %s, marks the entry %s",
      (strictMode, violations, id, status) => {
        const { auditor: a } = auditor({ strictMode });
        expect(a.strictMode).toBe(strictMode);
        expect(a.record(decision(1, [...violations], id)).status).toBe(status);
      },
    );

    it("freezes the entry and keeps its own copies of violations and notes", () => {
      const { auditor: a } = auditor();
      const violations: ViolationType[] = ["price_exceeded"];
      const notes = ["fallback"];
      const entry = a.record({ ...decision(1, violations), notes });
      violations.push("latency_exceeded");
      notes.push("changed");
      expect(entry.violations).toEqual(["price_exceeded"]);
      expect(entry.notes).toEqual(["fallback"]);
      expect(Object.isFrozen(entry)).toBe(true);
      expect(Object.isFrozen(entry.violations)).toBe(true);
      expect(() => {
        (entry as { status: string }).status = "approved";
      }).toThrow(TypeError);
    });

    it("passes every entry to onEntry", () => {
      const seen: AuditEntry[] = [];
      const { auditor: a } = auditor({ onEntry: (e) => seen.push(e) });
      const first = a.record(decision(1));
      const second = a.record(decision(2, ["region_mismatch"]));
      expect(seen).toEqual([first, second]);
    });

    it("keeps and counts the entry even when onEntry throws, and lets the error through", () => {
      const { auditor: a } = auditor({
        onEntry: () => {
          throw new Error("store down");
        },
      });
      expect(() => a.record(decision(1))).toThrow("store down");
      expect(a.getAuditTrail()).toHaveLength(1);
      expect(a.stats().total_entries).toBe(1);
    });

    it.each([
      [{ ...decision(1), decision_id: "" }, "decision_id"],
      [{ ...decision(1), decision_id: 7 }, "decision_id"],
      [{ ...decision(1), state_key: undefined }, "state_key"],
      [{ ...decision(1), provider_id: "" }, "provider_id"],
      [{ ...decision(1), violations: "price_exceeded" }, "violations"],
      [{ ...decision(1), violations: ["price_exceeded", "too_slow"] }, "violations[1]"],
      [{ ...decision(1), violations: ["__proto__"] }, "violations[0]"],
      [{ ...decision(1), notes: [1] }, "notes"],
    ])("refuses bad input %j, naming %s, and records nothing", (input, field) => {
      const { auditor: a } = auditor();
      expect(validationField(() => a.record(input as never))).toBe(field);
      expect(a.stats().total_entries).toBe(0);
    });

    it("names the accepted violation types when given an unknown one", () => {
      const { auditor: a } = auditor();
      expect(() => a.record(decision(1, ["too_slow" as ViolationType]))).toThrow(
        'violations[0]: unknown violation type "too_slow": use one of price_exceeded, latency_exceeded,',
      );
    });
  });

  describe("counters across a restart", () => {
    it("carries its statistics into a new auditor, which counts on from them", () => {
      const first = auditor().auditor;
      first.record(decision(1));
      first.record(decision(2, ["price_exceeded"]));
      const second = auditor().auditor;
      second.restoreCounters(JSON.parse(JSON.stringify(first.countersToJSON())));
      expect(second.stats()).toEqual(first.stats());
      expect(second.getAuditTrail()).toEqual([]); // the trail is the store's; only the counts carry over
      second.record(decision(3));
      expect(second.stats()).toMatchObject({ total_entries: 3, approval_rate: 2 / 3 });
    });

    it("counts an entry recorded before the restart without adding it to the trail or the store", () => {
      const entries: AuditEntry[] = [];
      const { auditor: a } = auditor({ onEntry: (entry) => entries.push(entry) });
      a.countRecordedEntry("flagged", ["latency_exceeded"]);
      a.countRecordedEntry("approved", []);
      expect(a.stats()).toMatchObject({
        total_entries: 2,
        flagged_rate: 0.5,
        common_violations: [{ type: "latency_exceeded", count: 1 }],
      });
      expect(a.getAuditTrail()).toEqual([]);
      expect(entries).toEqual([]);
      a.countRecordedEntry("flagged", ["speed", "latency_exceeded"]); // an unknown type is not counted by type
      expect(a.stats().common_violations).toEqual([{ type: "latency_exceeded", count: 2 }]);
      expect(validationField(() => a.restoreCounters({ approved: 1 }, "snapshot.counters.auditor"))).toBe(
        "snapshot.counters.auditor.flagged",
      );
      expect(a.stats().total_entries).toBe(3);
    });

    it("names the part of bad counts and changes nothing", () => {
      const { auditor: counters } = auditor();
      counters.record(decision(1));
      const good = counters.countersToJSON();
      expect(validationField(() => counters.restoreCounters("x", "c"))).toBe("c");
      expect(validationField(() => counters.restoreCounters({ ...good, flagged: -1 }, "c"))).toBe("c.flagged");
      expect(validationField(() => counters.restoreCounters({ ...good, violations: [] }, "c"))).toBe("c.violations");
      expect(validationField(() => counters.restoreCounters({ ...good, violations: { speed: 1 } }, "c"))).toBe(
        "c.violations.speed",
      );
      const ownProto = JSON.parse('{"__proto__": 1}');
      expect(validationField(() => counters.restoreCounters({ ...good, violations: ownProto }, "c"))).toBe(
        "c.violations.__proto__",
      );
      expect(validationField(() => counters.restoreCounters({ ...good, anomalies: { q_value_spike: 0.5 } }, "c"))).toBe(
        "c.anomalies.q_value_spike",
      );
      expect(counters.countersToJSON()).toEqual(good);
    });
  });

  describe("restoreRecorded", () => {
    const spike = (i: number) => ({
      kind: "q_value_spike" as const,
      decision_id: `d${i}`,
      state_key: "llm_inference:a100:us-west",
      provider_id: "akash",
      note: `spike ${i}`,
      value: 3 + i,
      threshold: 1,
    });

    /** An auditor that recorded `n` decisions (every third flagged, one rejected) and an anomaly after every fourth, and what its store kept. */
    function recorded(n: number, options: AuditorOptions = {}) {
      const kept: RecordedAudit[] = [];
      const { auditor: a, clock } = auditor({
        ...options,
        onEntry: (entry) => kept.push({ kind: "entry", entry }),
        onAnomaly: (anomaly) => kept.push({ kind: "anomaly", anomaly }),
      });
      for (let i = 0; i < n; i++) {
        a.record(decision(i % 7, i % 3 === 0 ? ["price_exceeded"] : [], i === 5 ? null : "akash"));
        if (i % 4 === 3) a.flagAnomaly(spike(i));
        clock.advance(250);
      }
      return { first: a, kept: JSON.parse(JSON.stringify(kept)) as RecordedAudit[] };
    }

    it("puts back the trail and the anomalies as they were, without counting them again or calling the hooks", () => {
      const { first, kept } = recorded(20);
      const calls: unknown[] = [];
      const { auditor: second } = auditor({ onEntry: (e) => calls.push(e), onAnomaly: (a) => calls.push(a) });
      second.restoreRecorded(kept);
      expect(second.getAuditTrail({ limit: Infinity })).toEqual(first.getAuditTrail({ limit: Infinity }));
      expect(second.getAuditTrail({ decisionId: "d3" })).toEqual(first.getAuditTrail({ decisionId: "d3" }));
      expect(second.getAuditTrail({ decisionId: "d3" })).toHaveLength(3);
      expect(second.getAnomalies()).toEqual(first.getAnomalies());
      expect(second.getAnomalies()).toHaveLength(5);
      expect(calls).toEqual([]);
      expect(second.stats().total_entries).toBe(0); // the counts come back with restoreCounters
      const [newest] = second.getAuditTrail({ limit: 1 });
      expect(Object.isFrozen(newest) && Object.isFrozen(newest?.violations) && Object.isFrozen(second.getAnomalies()[0])).toBe(
        true,
      );
      // New entries follow the restored ones.
      second.record(decision(99));
      expect(second.getAuditTrail({ limit: 2 }).map((e) => e.decision_id)).toEqual(["d99", "d5"]);
    });

    it("keeps the newest of each kind up to the rings' capacity", () => {
      const { first, kept } = recorded(30, { maxEntries: 4, maxAnomalies: 2 });
      const { auditor: second } = auditor({ maxEntries: 4, maxAnomalies: 2 });
      expect(second.capacity).toEqual({ entries: 4, anomalies: 2 });
      second.restoreRecorded(kept);
      expect(second.getAuditTrail({ limit: Infinity })).toEqual(first.getAuditTrail({ limit: Infinity }));
      expect(second.getAuditTrail({ limit: Infinity }).map((e) => e.decision_id)).toEqual(["d1", "d0", "d6", "d5"]);
      expect(second.getAnomalies().map((a) => a.note)).toEqual(["spike 27", "spike 23"]);
    });

    it("keeps violation types and anomaly kinds it does not know, as recorded", () => {
      const { auditor: a } = auditor();
      const entry = { ...a.record(decision(1, ["price_exceeded"])), violations: ["price_exceeded", "speed"] };
      const anomaly = { ...spike(1), kind: "drift", timestamp: "2025-06-01T12:00:00.000Z" };
      const { auditor: b } = auditor();
      b.restoreRecorded([
        { kind: "entry", entry },
        { kind: "anomaly", anomaly },
      ] as unknown as RecordedAudit[]);
      expect(b.getAuditTrail()[0]?.violations).toEqual(["price_exceeded", "speed"]);
      expect(b.getAnomalies()[0]?.kind).toBe("drift");
    });

    it("names the field of a malformed record and changes nothing", () => {
      const { kept } = recorded(8);
      const { auditor: a } = auditor();
      a.record(decision(42));
      const before = a.getAuditTrail({ limit: Infinity });
      type Loose = { kind: unknown; entry: Record<string, unknown>; anomaly: Record<string, unknown> };
      const bad = (index: number, change: (record: Loose) => void) => {
        const copy = JSON.parse(JSON.stringify(kept)) as Loose[];
        change(copy[index] as Loose);
        return () => a.restoreRecorded(copy as unknown as RecordedAudit[], "store.audit");
      };
      expect(kept[2]?.kind).toBe("entry");
      expect(kept[4]?.kind).toBe("anomaly");
      expect(validationField(() => a.restoreRecorded("x" as never))).toBe("records");
      expect(validationField(bad(2, (r) => (r.entry.status = "ok")))).toBe("store.audit[2].entry.status");
      expect(validationField(bad(2, (r) => (r.entry.decision_id = "")))).toBe("store.audit[2].entry.decision_id");
      expect(validationField(bad(2, (r) => (r.entry.provider_id = 7)))).toBe("store.audit[2].entry.provider_id");
      expect(validationField(bad(2, (r) => (r.entry.violations = [1])))).toBe("store.audit[2].entry.violations[0]");
      expect(validationField(bad(2, (r) => delete r.entry.notes))).toBe("store.audit[2].entry.notes");
      expect(validationField(bad(2, (r) => delete r.entry.timestamp))).toBe("store.audit[2].entry.timestamp");
      expect(validationField(bad(2, (r) => Object.assign(r, { entry: null })))).toBe("store.audit[2].entry");
      expect(validationField(bad(4, (r) => (r.anomaly.value = "3")))).toBe("store.audit[4].anomaly.value");
      expect(validationField(bad(4, (r) => (r.anomaly.provider_id = null)))).toBe("store.audit[4].anomaly.provider_id");
      expect(validationField(bad(4, (r) => (r.kind = "receipt")))).toBe("store.audit[4].kind");
      expect(validationField(bad(7, (r) => Object.assign(r, { kind: undefined })))).toBe("store.audit[7].kind");
      expect(a.getAuditTrail({ limit: Infinity })).toEqual(before);
      expect(a.getAnomalies()).toEqual([]);
    });
  });

  describe("getAuditTrail", () => {
    it("returns the newest entries first, and `limit` keeps the newest (the seed returned the oldest)", () => {
      const { auditor: a, clock } = auditor();
      for (let i = 0; i < 5; i++) {
        a.record(decision(i));
        clock.advance(1000);
      }
      expect(a.getAuditTrail({ limit: 2 }).map((e) => [e.decision_id, e.timestamp])).toEqual([
        ["d4", "2025-06-01T12:00:04.000Z"],
        ["d3", "2025-06-01T12:00:03.000Z"],
      ]);
      expect(a.getAuditTrail().map((e) => e.decision_id)).toEqual(["d4", "d3", "d2", "d1", "d0"]);
    });

    it("returns at most 100 entries by default", () => {
      const { auditor: a } = auditor();
      for (let i = 0; i < 150; i++) a.record(decision(i));
      const trail = a.getAuditTrail();
      expect(trail).toHaveLength(100);
      expect(trail[0]?.decision_id).toBe("d149");
      expect(a.getAuditTrail({ limit: Number.POSITIVE_INFINITY })).toHaveLength(150);
      expect(a.getAuditTrail({ limit: 0 })).toEqual([]);
    });

    it("filters by decision id, newest first", () => {
      const { auditor: a, clock } = auditor();
      a.record(decision(1));
      clock.advance(5);
      a.record(decision(2));
      clock.advance(5);
      a.record({ ...decision(1), notes: ["again"] });
      expect(a.getAuditTrail({ decisionId: "d1" }).map((e) => [e.timestamp, e.notes])).toEqual([
        ["2025-06-01T12:00:00.010Z", ["again"]],
        ["2025-06-01T12:00:00.000Z", []],
      ]);
      expect(a.getAuditTrail({ decisionId: "d1", limit: 1 })).toHaveLength(1);
      expect(a.getAuditTrail({ decisionId: "__proto__" })).toEqual([]);
    });

    it.each([-1, 1.5, Number.NaN, "10"])("refuses a limit of %j", (limit) => {
      const { auditor: a } = auditor();
      expect(validationField(() => a.getAuditTrail({ limit: limit as number }))).toBe("limit");
    });

    it("never holds more than maxEntries, while stats count every entry ever recorded", () => {
      const { auditor: a } = auditor({ maxEntries: 100 });
      for (let i = 0; i < 1000; i++)
        a.record(decision(i, i % 4 === 0 ? ["latency_exceeded"] : [], i % 10 === 0 ? null : "akash"));
      const trail = a.getAuditTrail({ limit: Number.POSITIVE_INFINITY });
      expect(trail).toHaveLength(100);
      expect(trail[0]?.decision_id).toBe("d999");
      expect(trail[99]?.decision_id).toBe("d900");
      expect(a.getAuditTrail({ decisionId: "d899" })).toEqual([]);
      expect(a.getAuditTrail({ decisionId: "d900" })).toHaveLength(1);
      // i % 10 === 0 → rejected (100, of which 50 also have i % 4 === 0); other i % 4 === 0 → flagged (250 − 50); rest approved.
      expect(a.stats()).toEqual({
        total_entries: 1000,
        approval_rate: 0.7,
        rejection_rate: 0.1,
        flagged_rate: 0.2,
        common_violations: [{ type: "latency_exceeded", count: 250 }],
        anomalies: { q_value_spike: 0, underperforming_provider: 0 },
      });
    });
  });

  describe("validateDecision", () => {
    it("approves a provider that meets every constraint", () => {
      const { auditor: a } = auditor();
      const result = a.validateDecision({ decision_id: "d1", state_key: "s", provider, constraints: { max_price: 3 }, context });
      expect(result.valid).toBe(true);
      expect(result.violations).toEqual([]);
      expect(result.entry.status).toBe("approved");
    });

    it("flags a violating provider by default and rejects it in strict mode", () => {
      for (const [strictMode, status] of [
        [false, "flagged"],
        [true, "rejected"],
      ] as const) {
        const { auditor: a } = auditor({ strictMode });
        const result = a.validateDecision({
          decision_id: "d1",
          state_key: "s",
          provider,
          constraints: { max_price: 2, region: "eu-central" },
          context,
        });
        expect(result).toEqual({
          valid: false,
          violations: ["price_exceeded", "region_mismatch"],
          entry: expect.objectContaining({ status, provider_id: "akash", violations: ["price_exceeded", "region_mismatch"] }),
        });
      }
    });

    it("rejects a denied or not-allowed provider in every mode, with a note naming the rule", () => {
      const { auditor: a } = auditor();
      const denied = a.validateDecision({
        decision_id: "d1",
        state_key: "s",
        provider,
        constraints: { deny: ["akash"] },
        context,
      });
      expect(denied.valid).toBe(false);
      expect(denied.violations).toEqual([]);
      expect(denied.entry.status).toBe("rejected");
      expect(denied.entry.notes).toEqual(['provider "akash" is listed in constraints.deny, a hard rule in every mode']);
      const outside = a.validateDecision({
        decision_id: "d2",
        state_key: "s",
        provider,
        constraints: { allow: ["vast"] },
        context,
      });
      expect(outside.entry.status).toBe("rejected");
      expect(outside.entry.notes).toEqual(['provider "akash" is not listed in constraints.allow, a hard rule in every mode']);
      expect(a.stats().rejection_rate).toBe(1);
    });

    it.each([
      ["no provider", { provider: undefined }, "provider"],
      ["a provider id for a provider", { provider: "akash" }, "provider"],
      ["no context", { context: undefined, constraints: { max_cost_usd: 10 } }, "context"],
      ["constraints as text", { constraints: "max_price=3" }, "constraints"],
      ["a region that is a number", { constraints: { region: 5 } }, "constraints.region"],
      ["a GPU type that is a list", { constraints: { gpu_type: ["a100"] } }, "constraints.gpu_type"],
      ["a deny list that is one id", { constraints: { deny: "akash" } }, "constraints.deny"],
      ["an allow list of numbers", { constraints: { allow: [1] } }, "constraints.allow[0]"],
      [
        "a provider region that is a number",
        { constraints: { region: "us-west" }, provider: { ...provider, regions: [5] } },
        "provider.regions[0]",
      ],
      [
        "provider GPU types that are null",
        { constraints: { gpu_type: "a100" }, provider: { ...provider, gpu_types: null } },
        "provider.gpu_types",
      ],
    ])("refuses %s with a ValidationError naming %s, and records nothing", (_name, bad, field) => {
      const { auditor: a } = auditor();
      const input = { decision_id: "d1", state_key: "s", provider, constraints: {}, context, ...bad };
      expect(validationField(() => a.validateDecision(input as never))).toBe(field);
      expect(a.stats().total_entries).toBe(0);
    });

    it("checks a provider with no regions against a required region as before: a mismatch", () => {
      const { auditor: a } = auditor();
      const { regions: _, ...regionless } = provider;
      const result = a.validateDecision({
        decision_id: "d1",
        state_key: "s",
        provider: regionless as Provider,
        constraints: { region: "us-west" },
        context,
      });
      expect(result.violations).toEqual(["region_mismatch"]);
    });

    it("writes one entry per call", () => {
      const { auditor: a } = auditor();
      a.validateDecision({ decision_id: "d1", state_key: "s", provider, context });
      expect(a.getAuditTrail()).toHaveLength(1);
    });
  });

  describe("anomalies", () => {
    it("flags an anomaly by hand, without adding an audit entry", () => {
      const seen: Anomaly[] = [];
      const { auditor: a } = auditor({ onAnomaly: (x) => seen.push(x) });
      const anomaly = a.flagAnomaly({
        kind: "q_value_spike",
        decision_id: "d1",
        state_key: "s",
        provider_id: "akash",
        note: "Q-value spike detected",
        value: 12,
        threshold: 3,
      });
      expect(anomaly).toEqual({
        timestamp: "2025-06-01T12:00:00.000Z",
        kind: "q_value_spike",
        decision_id: "d1",
        state_key: "s",
        provider_id: "akash",
        note: "Q-value spike detected",
        value: 12,
        threshold: 3,
      });
      expect(Object.isFrozen(anomaly)).toBe(true);
      expect(seen).toEqual([anomaly]);
      expect(a.getAnomalies()).toEqual([anomaly]);
      expect(a.getAuditTrail()).toEqual([]);
      expect(a.stats().anomalies).toEqual({ q_value_spike: 1, underperforming_provider: 0 });
    });

    it("refuses an unknown anomaly kind", () => {
      const { auditor: a } = auditor();
      const input = { kind: "weird", decision_id: "d1", state_key: "s", provider_id: "p", note: "", value: 0, threshold: 0 };
      expect(validationField(() => a.flagAnomaly(input as never))).toBe("kind");
    });

    it("keeps at most maxAnomalies, newest first, while counting all", () => {
      const { auditor: a } = auditor({ maxAnomalies: 3 });
      for (let i = 0; i < 30; i++) {
        a.flagAnomaly({
          kind: "underperforming_provider",
          decision_id: `d${i}`,
          state_key: "s",
          provider_id: "p",
          note: "",
          value: 0,
          threshold: 0,
        });
      }
      expect(a.getAnomalies().map((x) => x.decision_id)).toEqual(["d29", "d28", "d27"]);
      expect(a.getAnomalies({ limit: 1 }).map((x) => x.decision_id)).toEqual(["d29"]);
      expect(a.stats().anomalies.underperforming_provider).toBe(30);
    });
  });

  describe("observeUpdate", () => {
    const update = (i: number, extra: Partial<Parameters<Auditor["observeUpdate"]>[0]> = {}) => ({
      decision_id: `d${i}`,
      state_key: "llm_inference:a100:us-west",
      provider_id: "akash",
      before: 0,
      after: 0,
      success: true,
      reward: 8,
      ...extra,
    });

    it("raises nothing on a simulated market's normal traffic", () => {
      const { auditor: a } = auditor();
      let raised = 0;
      for (const u of simulatedUpdates({ seed: 7, updates: 20_000 })) raised += a.observeUpdate(u).length;
      expect(raised).toBe(0);
      expect(a.stats().anomalies).toEqual({ q_value_spike: 0, underperforming_provider: 0 });
      expect(a.getAuditTrail()).toEqual([]);
    });

    it("raises one Q-value spike when one outcome arrives in cents instead of dollars", () => {
      const { auditor: a } = auditor();
      const raised: Anomaly[] = [];
      let corrupted: ReturnType<typeof update> | undefined;
      for (const u of simulatedUpdates({ seed: 7, updates: 20_000, corrupt: (t) => t === 5000 })) {
        if (u.decision_id === "d5000") corrupted = u;
        raised.push(...a.observeUpdate(u));
      }
      expect(corrupted?.success).toBe(true);
      expect(raised).toHaveLength(1);
      const [spike] = raised;
      expect(spike).toMatchObject({
        kind: "q_value_spike",
        decision_id: "d5000",
        provider_id: corrupted?.provider_id,
        value: Math.abs((corrupted?.after ?? 0) - (corrupted?.before ?? 0)),
      });
      expect(spike?.value).toBeGreaterThan(spike?.threshold ?? Number.POSITIVE_INFINITY);
      expect(spike?.note).toMatch(/^Q-value of "provider-\d" in llm_inference:a100:us-west moved by /);
      expect(a.stats().anomalies.q_value_spike).toBe(1);
    });

    it("raises a spike above factor × the recent peak change once minSamples updates were seen", () => {
      const { auditor: a } = auditor({ qSpike: { factor: 4, minSamples: 3, halfLife: Number.POSITIVE_INFINITY } });
      expect(a.observeUpdate(update(0, { before: 0, after: 1 }))).toEqual([]);
      expect(a.observeUpdate(update(1, { before: 1, after: 1.5 }))).toEqual([]);
      expect(a.observeUpdate(update(2, { before: 1.5, after: 2 }))).toEqual([]);
      expect(a.observeUpdate(update(3, { before: 2, after: 6 }))).toEqual([]);
      const [spike, ...rest] = a.observeUpdate(update(4, { before: 6, after: -10.5, success: false, reward: -20 }));
      expect(rest).toEqual([]);
      expect(spike).toEqual({
        timestamp: "2025-06-01T12:00:00.000Z",
        kind: "q_value_spike",
        decision_id: "d4",
        state_key: "llm_inference:a100:us-west",
        provider_id: "akash",
        note: 'Q-value of "akash" in llm_inference:a100:us-west moved by 16.5 (from 6 to -10.5, reward -20), more than 16 (4 × the recent peak change)',
        value: 16.5,
        threshold: 16,
      });
    });

    it("raises an underperforming provider once when it crosses below, and again after a recovery", () => {
      const { auditor: a } = auditor({ underperforming: { window: 10, minOutcomes: 5, minSuccessRate: 0.5 } });
      const kinds = (outcomes: string, from: number) =>
        [...outcomes].flatMap((o, i) =>
          a.observeUpdate(update(from + i, { success: o === "S" })).map((x) => `${x.kind}@d${from + i}`),
        );
      expect(kinds("SSSSSSSSSS", 0)).toEqual([]);
      expect(kinds("FFFFFFFFFF", 10)).toEqual(["underperforming_provider@d15"]);
      expect(kinds("SSSSSS", 20)).toEqual([]);
      expect(kinds("FFFFFF", 26)).toEqual(["underperforming_provider@d31"]);
      const [last] = a.getAnomalies({ limit: 1 });
      expect(last).toMatchObject({ provider_id: "akash", value: 0.4, threshold: 0.5 });
      expect(last?.note).toBe('provider "akash" succeeded in 4 of its last 10 outcomes (40%), below the 50% minimum');
      expect(a.stats().anomalies.underperforming_provider).toBe(2);
    });

    it("can raise both anomalies from one update", () => {
      const { auditor: a } = auditor({
        qSpike: { minSamples: 1 },
        underperforming: { window: 1, minOutcomes: 1 },
      });
      a.observeUpdate(update(0, { before: 0, after: 0.1 }));
      expect(a.observeUpdate(update(1, { before: 0.1, after: -50, success: false })).map((x) => x.kind)).toEqual([
        "q_value_spike",
        "underperforming_provider",
      ]);
    });

    it.each([
      [{ before: Number.NaN }, "before"],
      [{ after: Number.POSITIVE_INFINITY }, "after"],
      [{ success: "yes" }, "success"],
      [{ provider_id: null }, "provider_id"],
      [{ decision_id: "" }, "decision_id"],
      [{ reward: undefined }, "reward"],
      [{ reward: Number.NaN }, "reward"],
    ])("refuses %j, naming the field", (extra, field) => {
      const { auditor: a } = auditor();
      expect(validationField(() => a.observeUpdate(update(0, extra as never)))).toBe(field);
    });

    it("refuses a missing reward before the spike detector moves: the spike it would have raised is raised later", () => {
      const { auditor: a } = auditor({ qSpike: { minSamples: 2 } });
      for (let i = 0; i < 3; i++) a.observeUpdate(update(i, { before: 0, after: 1 }));
      const spike = update(3, { before: 0, after: 100 });
      const { reward: _, ...withoutReward } = spike;
      expect(validationField(() => a.observeUpdate(withoutReward as never))).toBe("reward");
      expect(a.observeUpdate(spike).map((anomaly) => anomaly.kind)).toEqual(["q_value_spike"]);
    });
  });
});
