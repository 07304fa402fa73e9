import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FEEDBACK_RECEIVED, type Finished, FinishedDecisions } from "./finished-decisions.js";

/** The definition: a map of ids in finishing order, the oldest forgotten past capacity. */
class Reference {
  readonly #byId = new Map<string, Finished>();
  constructor(readonly capacity: number) {}
  remember(id: string, finished: Finished): void {
    if (this.capacity === 0) return;
    const known = this.#byId.has(id);
    this.#byId.set(id, finished);
    if (!known && this.#byId.size > this.capacity) this.#byId.delete(this.#byId.keys().next().value as string);
  }
  get(id: string): Finished | undefined {
    return this.#byId.get(id);
  }
  get size(): number {
    return this.#byId.size;
  }
  /** Oldest first. */
  ids(): string[] {
    return [...this.#byId.keys()];
  }
}

describe("FinishedDecisions", () => {
  it("remembers whether a decision had feedback or was settled, and when", () => {
    const finished = new FinishedDecisions(10);
    finished.remember("a", FEEDBACK_RECEIVED);
    finished.remember("b", { kind: "settled", settledAt: 42 });
    expect(finished.get("a")).toEqual({ kind: "feedback" });
    expect(finished.get("b")).toEqual({ kind: "settled", settledAt: 42 });
    expect(finished.get("c")).toBeUndefined();
  });

  it("forgets the oldest id once it holds more than its capacity", () => {
    const finished = new FinishedDecisions(2);
    finished.remember("a", FEEDBACK_RECEIVED);
    finished.remember("b", FEEDBACK_RECEIVED);
    finished.remember("c", FEEDBACK_RECEIVED);
    expect(finished.has("a")).toBe(false);
    expect(finished.has("b")).toBe(true);
    expect(finished.has("c")).toBe(true);
    expect(finished.size).toBe(2);
  });

  it("updates an id remembered again but keeps its place in the order", () => {
    const finished = new FinishedDecisions(2);
    finished.remember("a", FEEDBACK_RECEIVED);
    finished.remember("b", FEEDBACK_RECEIVED);
    finished.remember("a", { kind: "settled", settledAt: 1 });
    expect(finished.get("a")).toEqual({ kind: "settled", settledAt: 1 });
    expect(finished.size).toBe(2);
    finished.remember("c", FEEDBACK_RECEIVED);
    expect(finished.has("a")).toBe(false);
    expect(finished.has("b")).toBe(true);
  });

  it("forgets in order over many more ids than its capacity", () => {
    const finished = new FinishedDecisions(100);
    for (let i = 0; i < 5_000; i++) finished.remember(`d${i}`, FEEDBACK_RECEIVED);
    expect(finished.size).toBe(100);
    expect(finished.has("d4899")).toBe(false);
    expect(finished.has("d4900")).toBe(true);
    expect(finished.has("d4999")).toBe(true);
  });

  it("remembers nothing with capacity 0", () => {
    const finished = new FinishedDecisions(0);
    finished.remember("a", FEEDBACK_RECEIVED);
    expect(finished.size).toBe(0);
  });

  it("treats __proto__ and constructor as ordinary ids", () => {
    const finished = new FinishedDecisions(10);
    expect(finished.has("__proto__")).toBe(false);
    expect(finished.has("constructor")).toBe(false);
    finished.remember("__proto__", FEEDBACK_RECEIVED);
    expect(finished.get("__proto__")).toEqual({ kind: "feedback" });
    expect(finished.get("constructor")).toBeUndefined();
  });

  it("behaves as a first-in-first-out map of ids, whatever the capacity and the order of ids", () => {
    const id = fc.oneof(
      fc.integer({ min: 0, max: 300 }).map((i) => `d${i}`),
      fc.string({ maxLength: 6 }),
    );
    const finished = fc.oneof(
      fc.constant(FEEDBACK_RECEIVED),
      fc.integer().map((settledAt): Finished => ({ kind: "settled", settledAt })),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 150 }),
        fc.array(fc.tuple(id, finished), { maxLength: 600 }),
        fc.array(id, { maxLength: 40 }),
        (capacity, steps, probes) => {
          const memory = new FinishedDecisions(capacity);
          const reference = new Reference(capacity);
          for (const [decisionId, how] of steps) {
            memory.remember(decisionId, how);
            reference.remember(decisionId, how);
          }
          expect(memory.size).toBe(reference.size);
          for (const decisionId of [...probes, ...steps.map(([d]) => d)]) {
            expect(memory.get(decisionId)).toEqual(reference.get(decisionId));
            expect(memory.has(decisionId)).toBe(reference.get(decisionId) !== undefined);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("stays exact at scale: 250,000 ids through a memory of 100,000", () => {
    const memory = new FinishedDecisions(100_000);
    for (let i = 0; i < 250_000; i++)
      memory.remember(`decision-${i}`, i % 3 === 0 ? { kind: "settled", settledAt: i } : FEEDBACK_RECEIVED);
    expect(memory.size).toBe(100_000);
    for (let i = 0; i < 250_000; i += 7) {
      const expected = i < 150_000 ? undefined : i % 3 === 0 ? { kind: "settled", settledAt: i } : { kind: "feedback" };
      expect(memory.get(`decision-${i}`)).toEqual(expected);
    }
  });
  describe("toJSON / fromJSON", () => {
    it("restores every id with how it finished, and goes on forgetting the oldest in the same order (property)", () => {
      const id = fc.constantFrom(...Array.from({ length: 30 }, (_, i) => `decision-${i}`));
      const how: fc.Arbitrary<Finished> = fc.oneof(
        fc.constant(FEEDBACK_RECEIVED),
        fc.double({ min: 0, max: 1e13, noNaN: true }).map((settledAt) => ({ kind: "settled" as const, settledAt })),
      );
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 12 }),
          fc.integer({ min: 0, max: 12 }),
          fc.array(fc.tuple(id, how), { maxLength: 40 }),
          fc.array(fc.tuple(id, how), { maxLength: 20 }),
          (capacity, restoredCapacity, before, after) => {
            const memory = new FinishedDecisions(capacity);
            const reference = new Reference(capacity);
            for (const [decisionId, finished] of before) {
              memory.remember(decisionId, finished);
              reference.remember(decisionId, finished);
            }
            // Through JSON text, as a snapshot file holds it; into a memory of another capacity.
            const restored = FinishedDecisions.fromJSON(JSON.parse(JSON.stringify(memory)), restoredCapacity);
            const expected = new Reference(restoredCapacity);
            for (const decisionId of reference.ids()) expected.remember(decisionId, reference.get(decisionId) as Finished);
            for (const [decisionId, finished] of after) {
              restored.remember(decisionId, finished);
              expected.remember(decisionId, finished);
            }
            expect(restored.size).toBe(expected.size);
            for (const [decisionId] of [...before, ...after]) expect(restored.get(decisionId)).toEqual(expected.get(decisionId));
          },
        ),
        { numRuns: 300 },
      );
    });

    it("refuses what is not its own output, saying what is wrong", () => {
      const json = (() => {
        const memory = new FinishedDecisions(4);
        memory.remember("a", FEEDBACK_RECEIVED);
        return JSON.parse(JSON.stringify(memory));
      })();
      expect(() => FinishedDecisions.fromJSON(null, 4)).toThrow(/format/);
      expect(() => FinishedDecisions.fromJSON({ ...json, format: "other" }, 4)).toThrow(/format/);
      expect(() => FinishedDecisions.fromJSON({ ...json, seeds: [1.5, 2] }, 4)).toThrow(/seeds/);
      expect(() => FinishedDecisions.fromJSON({ ...json, count: 2 }, 4)).toThrow(/hash_a must hold 2/);
      expect(() => FinishedDecisions.fromJSON({ ...json, kinds: Buffer.from([7]).toString("base64") }, 4)).toThrow(/unknown way/);
      expect(FinishedDecisions.fromJSON(json, 4).get("a")).toEqual(FEEDBACK_RECEIVED);
      // A settlement time that is not clock milliseconds (late feedback would then name no time).
      const settled = new FinishedDecisions(4);
      settled.remember("s", { kind: "settled", settledAt: 5 });
      const saved = JSON.parse(JSON.stringify(settled));
      const nan = Buffer.alloc(8);
      nan.writeDoubleLE(Number.NaN);
      expect(() => FinishedDecisions.fromJSON({ ...saved, settled_at: nan.toString("base64") }, 4)).toThrow(
        /settled_at of id 0 is NaN, not clock milliseconds/,
      );
    });
  });
});
