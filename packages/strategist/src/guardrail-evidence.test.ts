import { JSON_PIECES } from "@aurora/domain";
import { describe, expect, it } from "vitest";
import { EvidenceByStateCopy, GuardrailEvidence } from "./guardrail-evidence.js";

function evidence(policy: number[], baseline: number[], decay = 1): GuardrailEvidence {
  const e = new GuardrailEvidence();
  for (const r of policy) e.record("policy", r, decay);
  for (const r of baseline) e.record("baseline", r, decay);
  return e;
}

describe("GuardrailEvidence", () => {
  it("trusts the policy when its lower bound beats the baseline's upper bound", () => {
    // Means 9 and 7, s² = 4/3, n = 4 each: LCB 9 − 1.96·0.577 = 7.87 < UCB 8.13.
    const wide = evidence([8, 10, 8, 10], [6, 8, 6, 8]);
    expect(wide.summary("policy", 1.96)).toMatchObject({ count: 4, mean: 9 });
    expect(wide.trusts(1.96)).toBe(false);
    // Means 9 and 7, s² = 0.2, n = 6 each: LCB 8.64 > UCB 7.36.
    expect(evidence([9, 9.5, 8.5, 9, 9.5, 8.5], [7, 7.5, 6.5, 7, 7.5, 6.5]).trusts(1.96)).toBe(true);
  });

  it("does not trust with too little evidence on either side", () => {
    expect(evidence([9], [1, 1, 1]).trusts(1.96)).toBe(false);
    expect(evidence([9, 9, 9], []).trusts(1.96)).toBe(false);
    expect(evidence([9, 9], [1, 1]).ready(3)).toBe(false);
    expect(evidence([9, 9, 9], [1, 1, 1]).ready(3)).toBe(true);
  });

  it("gives the chance the policy is better by a normal approximation of the difference", () => {
    expect(evidence([1, 3], [1, 3]).chanceBetter()).toBeCloseTo(0.5, 7);
    expect(evidence([9, 9.5, 8.5], [1, 1.5, 0.5]).chanceBetter()).toBeGreaterThan(0.9999);
    expect(evidence([9], [1, 2]).chanceBetter()).toBe(0);
  });

  it("discounts each side by its own rewards only", () => {
    const e = evidence([5, 5, 5, 5], [1, 1], 0.5);
    expect(e.summary("policy", 1.96).effective_count).toBeCloseTo(1.875 ** 2 / (1 + 0.25 + 0.0625 + 0.015625), 12);
    expect(e.summary("baseline", 1.96).effective_count).toBeCloseTo(1.5 ** 2 / 1.25, 12);
  });

  it("round-trips through JSON", () => {
    const e = evidence([5, 6, 7], [1, 2], 0.9);
    expect(GuardrailEvidence.fromJSON(JSON.parse(JSON.stringify(e)), "evidence").toJSON()).toEqual(e.toJSON());
  });
});

describe("EvidenceByStateCopy", () => {
  function byState(states: number): Map<string, GuardrailEvidence> {
    const map = new Map<string, GuardrailEvidence>();
    for (let s = 0; s < states; s++) {
      const key = ["__proto__", "constructor", "7", 'a"b'][s] ?? `w:g:r${s}`;
      map.set(key, evidence([s % 9, 1.5, -s / 7], s % 3 === 0 ? [] : [2, s * 0.1], 0.99));
    }
    return map;
  }
  const plain = (states: Map<string, GuardrailEvidence>) =>
    Object.fromEntries([...states].map(([key, e]) => [key, JSON.parse(JSON.stringify(e))]));

  it("holds each state's evidence as toJSON() writes it, and writes that JSON in pieces", () => {
    const states = byState(5_000);
    const copy = new EvidenceByStateCopy(states);
    const expected = plain(states);
    const pieces = [...copy[JSON_PIECES]()];
    expect(pieces.length).toBeGreaterThan(2);
    expect(JSON.parse(pieces.join(""))).toEqual(expected);
    expect(JSON.parse(JSON.stringify(copy))).toEqual(expected);
    const restored = GuardrailEvidence.fromJSON(JSON.parse(pieces.join(""))["__proto__"], "states");
    expect(restored.toJSON()).toEqual(states.get("__proto__")?.toJSON());
  });

  it("is a copy as of when it was taken", () => {
    const states = byState(3);
    const expected = plain(states);
    const copy = new EvidenceByStateCopy(states);
    states.get("constructor")?.record("policy", 100, 0.5);
    states.set("new", evidence([1], [2]));
    expect(JSON.parse([...copy[JSON_PIECES]()].join(""))).toEqual(expected);
  });
});
