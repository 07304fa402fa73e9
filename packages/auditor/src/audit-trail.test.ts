import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "./audit-entry.js";
import { AuditTrail } from "./audit-trail.js";

const entry = (decision_id: string, note = ""): AuditEntry => ({
  timestamp: "2025-01-01T00:00:00.000Z",
  decision_id,
  state_key: "w:g:r",
  provider_id: "p",
  status: "approved",
  violations: [],
  notes: note === "" ? [] : [note],
});

const notesOf = (entries: AuditEntry[]) => entries.map((e) => e.notes[0]);

describe("AuditTrail", () => {
  it("finds the entries of one decision, newest first", () => {
    const trail = new AuditTrail(10);
    trail.append(entry("d1", "first"));
    trail.append(entry("d2"));
    trail.append(entry("d1", "second"));
    expect(notesOf(trail.forDecision("d1", 10))).toEqual(["second", "first"]);
    expect(notesOf(trail.forDecision("d1", 1))).toEqual(["second"]);
    expect(trail.forDecision("unknown", 10)).toEqual([]);
  });

  it("gives back each entry as a frozen object with the fields it was appended with, and rejects a capacity below 1", () => {
    const trail = new AuditTrail(3);
    const kept: AuditEntry = {
      timestamp: "2025-01-01T00:00:01.000Z",
      decision_id: "d9",
      state_key: "a:b:c",
      provider_id: null,
      status: "rejected",
      violations: ["price_exceeded"],
      notes: ["nothing viable"],
    };
    trail.append(entry("d8"));
    trail.append(kept);
    for (const found of [trail.newest(1)[0], trail.forDecision("d9", 1)[0]]) {
      expect(found).toEqual(kept);
      expect(Object.isFrozen(found)).toBe(true);
    }
    expect(trail.newest(10).map((e) => e.decision_id)).toEqual(["d9", "d8"]);
    expect(trail.size).toBe(2);
    expect(() => new AuditTrail(0)).toThrow(RangeError);
  });

  it("sees entries appended after a lookup", () => {
    const trail = new AuditTrail(10);
    trail.append(entry("d1", "first"));
    expect(notesOf(trail.forDecision("d1", 10))).toEqual(["first"]);
    trail.append(entry("d1", "second"));
    trail.append(entry("d2", "other"));
    expect(notesOf(trail.forDecision("d1", 10))).toEqual(["second", "first"]);
    expect(notesOf(trail.forDecision("d2", 10))).toEqual(["other"]);
  });

  it("forgets a decision once its entries leave the ring", () => {
    const trail = new AuditTrail(2);
    trail.append(entry("d1"));
    expect(trail.forDecision("d1", 10)).toHaveLength(1);
    trail.append(entry("d2"));
    trail.append(entry("d3"));
    expect(trail.forDecision("d1", 10)).toEqual([]);
    expect(trail.forDecision("d2", 10)).toHaveLength(1);
  });

  it("returns only the held entries of a decision whose older entries were evicted", () => {
    const trail = new AuditTrail(3);
    trail.append(entry("d1", "old"));
    expect(trail.forDecision("d1", 10)).toHaveLength(1);
    trail.append(entry("x"));
    trail.append(entry("y"));
    trail.append(entry("d1", "new"));
    expect(notesOf(trail.forDecision("d1", 10))).toEqual(["new"]);
  });

  it("finds entries appended and partly evicted between two lookups", () => {
    const trail = new AuditTrail(3);
    for (let i = 0; i < 10; i++) trail.append(entry(`d${i % 2}`, String(i)));
    expect(notesOf(trail.forDecision("d1", 10))).toEqual(["9", "7"]);
    expect(notesOf(trail.forDecision("d0", 10))).toEqual(["8"]);
  });

  it("stays correct and bounded over 10× its capacity, with lookups in between", () => {
    const trail = new AuditTrail(50);
    for (let i = 0; i < 500; i++) {
      trail.append(entry(`d${i % 20}`, String(i)));
      if (i % 37 === 0) trail.forDecision("d0", 1);
    }
    expect(trail.size).toBe(50);
    expect(notesOf(trail.forDecision("d5", 10))).toEqual(["485", "465"]);
    expect(notesOf(trail.forDecision("d19", 10))).toEqual(["499", "479", "459"]);
    for (let i = 500; i < 1000; i++) {
      trail.append(entry(`fresh${i}`, String(i)));
      if (i % 7 === 0) expect(notesOf(trail.forDecision(`fresh${i}`, 10))).toEqual([String(i)]);
      expect(trail.indexedDecisions).toBeLessThanOrEqual(100);
    }
    expect(trail.forDecision("d5", 10)).toEqual([]);
    const held = trail.newest(100);
    expect(held).toHaveLength(50);
    for (const e of held) expect(trail.forDecision(e.decision_id, 100)).toEqual([e]);
  });

  it("holds a capacity of one", () => {
    const trail = new AuditTrail(1);
    trail.append(entry("d1", "a"));
    trail.append(entry("d1", "b"));
    expect(notesOf(trail.forDecision("d1", 10))).toEqual(["b"]);
    trail.append(entry("d2"));
    expect(trail.forDecision("d1", 10)).toEqual([]);
    expect(trail.forDecision("d2", 10)).toHaveLength(1);
  });

  it("indexes __proto__ and constructor as ordinary decision ids", () => {
    const trail = new AuditTrail(5);
    trail.append(entry("__proto__"));
    trail.append(entry("constructor"));
    expect(trail.forDecision("__proto__", 10)).toHaveLength(1);
    expect(trail.forDecision("constructor", 10)).toHaveLength(1);
    expect(trail.forDecision("toString", 10)).toEqual([]);
  });

  it("answers every lookup as a scan of the held entries would", () => {
    const ids = ["a", "b", "c", "__proto__"];
    const step = fc.oneof(
      fc.record({ append: fc.constantFrom(...ids) }),
      fc.record({ lookup: fc.constantFrom(...ids, "never"), limit: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 80 }), (capacity, steps) => {
        const trail = new AuditTrail(capacity);
        steps.forEach((s, i) => {
          if ("append" in s) trail.append(entry(s.append, String(i)));
          else {
            const scan = trail
              .newest(capacity)
              .filter((e) => e.decision_id === s.lookup)
              .slice(0, s.limit);
            expect(trail.forDecision(s.lookup, s.limit)).toEqual(scan);
          }
          expect(trail.indexedDecisions).toBeLessThanOrEqual(2 * capacity);
        });
      }),
    );
  });
});
