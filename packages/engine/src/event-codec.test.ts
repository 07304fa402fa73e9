import type { Provider } from "@aurora/domain";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { context, market } from "../test/market.js";
import { decodeEvent, encodeEvent, JournalEventDecoder, JournalEventEncoder, StoredEventError } from "./event-codec.js";
import type { EngineEvent } from "./routing-engine.js";

function decision(id: string, candidates: Provider[], chosen = 0, alternatives = [1]): EngineEvent {
  return {
    type: "decision",
    record: {
      decision_id: id,
      state_key: "llm_inference:a100:us-west",
      provider_id: candidates[chosen]!.provider_id,
      context,
      provider: candidates[chosen]!,
      alternatives: alternatives.map((i) => candidates[i]!),
      metadata: { mode: "exploit", policy: "q-learning", psi_density: null },
      created_at: 1_700_000_000_000,
    },
    candidates,
  };
}

const outcome = (id: string): EngineEvent => ({
  type: "outcome",
  decision_id: id,
  outcome: { decision_id: id, success: true, actual_cost_usd: 2, actual_latency_ms: 90 },
  provider_id: "p0",
  reward: 7.82,
  before: 0,
  after: 0.782,
  at: 1_700_000_000_500,
});

/** A fresh copy of a market, as each request parses its own provider objects. */
const listOf = (n: number) => structuredClone(market(n)) as Provider[];

function roundTrip(events: EngineEvent[], encoder = new JournalEventEncoder()): { lines: string[]; decoded: EngineEvent[] } {
  const lines = events.map((event) => encoder.encode(event));
  const decoder = new JournalEventDecoder();
  return { lines, decoded: lines.map((line) => decoder.decode(JSON.parse(line))) };
}

describe("JournalEventEncoder", () => {
  it("writes a candidate list once and lets later decisions with an equal list name it", () => {
    const { lines, decoded } = roundTrip([decision("d1", listOf(4)), decision("d2", listOf(4), 2, [0, 3])]);
    const [first, second] = lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ type: "decision", list: 1, chosen: 0, alternatives: [1] });
    expect(first.candidates).toEqual(market(4));
    expect(second).toEqual({ type: "decision", record: expect.any(Object), list: 1, chosen: 2, alternatives: [0, 3] });
    expect(lines[1]!.length).toBeLessThan(lines[0]!.length / 2);
    expect(decoded).toEqual([decision("d1", listOf(4)), decision("d2", listOf(4), 2, [0, 3])]);
  });

  it("gives a different list its own number, and still recognises the first after it", () => {
    const cheaper = listOf(4).map((p, i) => (i === 3 ? { ...p, price_usd_per_hour: p.price_usd_per_hour - 0.01 } : p));
    const events = [decision("d1", listOf(4)), decision("d2", cheaper), decision("d3", listOf(3)), decision("d4", listOf(4))];
    const { lines, decoded } = roundTrip(events);
    expect(lines.map((line) => JSON.parse(line)).map((s) => [s.list, "candidates" in s])).toEqual([
      [1, true],
      [2, true],
      [3, true],
      [1, false],
    ]);
    expect(decoded).toEqual(events);
  });

  it("writes every list again at its next use after forget(), so the lines from there on decode alone", () => {
    const encoder = new JournalEventEncoder();
    encoder.encode(decision("d1", listOf(4)));
    encoder.encode(decision("d2", listOf(4)));
    encoder.forget();
    const after = [decision("d3", listOf(4)), outcome("d3"), decision("d4", listOf(4))];
    const lines = after.map((event) => encoder.encode(event));
    expect(JSON.parse(lines[0]!)).toMatchObject({ list: 2, candidates: market(4) });
    const decoder = new JournalEventDecoder();
    expect(lines.map((line) => decoder.decode(JSON.parse(line)))).toEqual(after);
  });

  it("does not name a list the caller changed after it was written", () => {
    const encoder = new JournalEventEncoder();
    const candidates = listOf(3);
    const first = encoder.encode(decision("d1", candidates));
    candidates[1]!.gpu_types.push("h100");
    const second = encoder.encode(decision("d2", candidates));
    expect(JSON.parse(second)).toMatchObject({ list: 2, candidates: JSON.parse(JSON.stringify(candidates)) });
    const decoder = new JournalEventDecoder();
    expect(decoder.decode(JSON.parse(first))).toMatchObject({ candidates: market(3) });
    expect(decoder.decode(JSON.parse(second))).toEqual(decision("d2", candidates));
  });

  it("names a list frozen all the way down by the array itself, without comparing it again", () => {
    const frozen = (list: Provider[]) => {
      for (const p of list)
        Object.freeze(Object.assign(p, { gpu_types: Object.freeze(p.gpu_types), regions: Object.freeze(p.regions) }));
      Object.freeze(list);
      return list;
    };
    // NaN is written as null, so a compare with the list as written never matches: only the
    // array's identity can name it.
    const candidates = frozen(listOf(3).map((p, i) => (i === 2 ? { ...p, latency_ms: Number.NaN } : p)));
    const { lines, decoded } = roundTrip([decision("d1", candidates), decision("d2", candidates)]);
    expect(lines.map((line) => "candidates" in JSON.parse(line))).toEqual([true, false]);
    const written = (event: EngineEvent | undefined) => (event as Extract<EngineEvent, { type: "decision" }>).candidates;
    expect(written(decoded[1])).toEqual(written(decoded[0]));
    expect(written(decoded[1])[2]?.latency_ms).toBeNull();
  });

  it("compares a frozen list again when anything inside it can still change", () => {
    const encoder = new JournalEventEncoder();
    const thawed = listOf(3);
    for (const p of thawed) Object.freeze(p); // gpu_types stays a live array
    Object.freeze(thawed);
    encoder.encode(decision("d1", thawed));
    thawed[0]!.gpu_types.push("h200");
    expect(JSON.parse(encoder.encode(decision("d2", thawed)))).toMatchObject({ list: 2 });

    let latency = 50;
    const withGetter = listOf(2);
    Object.defineProperty(withGetter[1], "latency_ms", { get: () => latency, enumerable: true });
    for (const p of withGetter)
      Object.freeze(Object.assign(p, { gpu_types: Object.freeze(p.gpu_types), regions: Object.freeze(p.regions) }));
    Object.freeze(withGetter);
    encoder.encode(decision("d3", withGetter));
    latency = 70;
    const after = JSON.parse(encoder.encode(decision("d4", withGetter)));
    expect(after).toMatchObject({ list: 4 });
    expect(after.candidates[1].latency_ms).toBe(70);
  });

  it("counts list numbers on from the number it is given (after a restart)", () => {
    const encoder = new JournalEventEncoder(41);
    expect(JSON.parse(encoder.encode(decision("d1", listOf(2))))).toMatchObject({ list: 41 });
    expect(JSON.parse(encoder.encode(decision("d2", listOf(3))))).toMatchObject({ list: 42 });
  });

  it("names an earlier list only when its JSON is the same, and decodes every variant exactly", () => {
    const base = listOf(2);
    const reordered = base.map((p) => Object.fromEntries(Object.entries(p).reverse())) as Provider[];
    const withUndefined = base.map((p) => ({ ...p, note: undefined })) as Provider[];
    const withNull = base.map((p) => ({ ...p, note: null })) as Provider[];
    const otherRegions = base.map((p) => ({ ...p, regions: [...p.regions, "ap-south"] }));
    const events = [base, reordered, withUndefined, withNull, otherRegions, listOf(2)].map((list, i) => decision(`d${i}`, list));
    const { lines, decoded } = roundTrip(events);
    const stored = lines.map((line) => JSON.parse(line));
    expect(stored[3]).toHaveProperty("candidates", JSON.parse(JSON.stringify(withNull)));
    expect(stored[4]).toHaveProperty("candidates", otherRegions);
    expect(stored[5]).not.toHaveProperty("candidates");
    expect(decoded).toEqual(events.map((event) => JSON.parse(JSON.stringify(event))));
  });

  it("writes a list again when a candidate's fields are inherited rather than its own (they are not in its JSON)", () => {
    const own = listOf(2);
    const { regions, ...rest } = own[1]!;
    const inheriting = [own[0]!, Object.assign(Object.create({ regions }), rest) as Provider];
    for (const key of Object.keys(rest)) expect(inheriting[1]).toHaveProperty(key);
    const { lines, decoded } = roundTrip([decision("d1", own), decision("d2", inheriting)]);
    expect(JSON.parse(lines[1]!)).toMatchObject({ list: 2, candidates: JSON.parse(JSON.stringify(inheriting)) });
    const second = decoded[1]!;
    if (second.type !== "decision") throw new Error(`decoded a ${second.type}, not a decision`);
    expect(second.candidates[1]).not.toHaveProperty("regions");
  });

  it("compares candidates with fields beyond a provider's by their JSON, in any key order", () => {
    const tagged = listOf(2).map((p, i) => ({ ...p, zone: `z${i}` }));
    const reordered = tagged.map((p) => Object.fromEntries(Object.entries(p).reverse())) as typeof tagged;
    const { lines, decoded } = roundTrip([decision("d1", tagged), decision("d2", reordered)]);
    expect(JSON.parse(lines[1]!)).toMatchObject({ list: 1 });
    expect(JSON.parse(lines[1]!)).not.toHaveProperty("candidates");
    expect(decoded).toEqual([decision("d1", tagged), decision("d2", reordered)]);
  });

  it("decodes to the same events as the one-line-per-event form, for any mix of lists, outcomes and cuts", () => {
    const lists = [listOf(2), listOf(3), listOf(4), listOf(4).reverse(), listOf(5)];
    const step = fc.oneof(
      fc.record({ kind: fc.constant("decision" as const), list: fc.nat(lists.length - 1), chosen: fc.nat(1) }),
      fc.record({ kind: fc.constant("outcome" as const) }),
      fc.record({ kind: fc.constant("forget" as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const encoder = new JournalEventEncoder();
        const lines: string[] = [];
        const events: EngineEvent[] = [];
        steps.forEach((s, i) => {
          if (s.kind === "forget") {
            encoder.forget();
            return;
          }
          const event =
            s.kind === "decision"
              ? decision(`d${i}`, structuredClone(lists[s.list]!), s.chosen, [1 - s.chosen])
              : outcome(`d${i}`);
          events.push(event);
          lines.push(encoder.encode(event));
        });
        const decoder = new JournalEventDecoder();
        const decoded = lines.map((line) => decoder.decode(JSON.parse(line)));
        expect(decoded).toEqual(events.map((event) => decodeEvent(JSON.parse(JSON.stringify(encodeEvent(event))))));
        expect(decoded).toEqual(events);
      }),
      { numRuns: 200 },
    );
  });
});

describe("JournalEventDecoder", () => {
  it("decodes decisions written before lists were shared (candidates inline, no list number)", () => {
    const event = decision("old", listOf(3), 1, [2, 0]);
    const oldLine = JSON.stringify(encodeEvent(event));
    expect(JSON.parse(oldLine)).not.toHaveProperty("list");
    const decoder = new JournalEventDecoder();
    expect(decoder.decode(JSON.parse(oldLine))).toEqual(event);
    expect(decoder.highestList).toBe(0);
  });

  it("refuses a decision naming a list no earlier record defined, naming the decision and the list", () => {
    const encoder = new JournalEventEncoder();
    encoder.encode(decision("d1", listOf(3)));
    const orphan = JSON.parse(encoder.encode(decision("d2", listOf(3))));
    expect(() => new JournalEventDecoder().decode(orphan)).toThrow(StoredEventError);
    expect(() => new JournalEventDecoder().decode(orphan)).toThrow(
      "stored event d2: uses candidate list 1, which no earlier record defines",
    );
    expect(() => decodeEvent(orphan)).toThrow("stored event d2: names candidate list 1 but does not carry it");
  });

  it("takes the latest definition of a list number before its use", () => {
    const first = new JournalEventEncoder();
    const second = new JournalEventEncoder();
    const lines = [
      first.encode(decision("a1", listOf(2))),
      first.encode(decision("a2", listOf(2))),
      second.encode(decision("b1", listOf(4))),
      second.encode(decision("b2", listOf(4))),
    ];
    const decoder = new JournalEventDecoder();
    const decoded = lines.map((line) => decoder.decode(JSON.parse(line)));
    expect(decoded.map((e) => (e.type === "decision" ? e.candidates.length : 0))).toEqual([2, 2, 4, 4]);
    expect(decoder.highestList).toBe(1);
  });
});
